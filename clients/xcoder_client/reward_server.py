"""`xcoder-client serve-reward`: OpenRLHF's remote reward protocol over HTTP, in front of the judge.

    xcoder-client serve-reward --port 5000 --judge-url http://judge:8000 --reward fraction
    # OpenRLHF: --remote_rm_url http://reward-host:5000/get_reward --label_key tests

POST `/get_reward` (or `/`) with `{"query": [...], "prompts": [...], "labels": [...]}` answers
`{"rewards": [...], "scores": [...], "extra_logs": {...}}` (see `openrlhf_reward`). It runs next
to the trainer, not inside the judge: extraction, reward shapes and test subsets are the
client's job (one code extractor), and the judge stays a judge. Standard library HTTP, one
thread per request; concurrent requests are coalesced into batch judge calls.

Errors are JSON `{"error": ...}`: 400 for a body that is not the protocol, 422 for a label or
query we cannot score, 503 when the judge could not judge (OpenRLHF retries, then leaves the
sample unrewarded rather than inventing a reward), 500 for a misconfigured client or a broken
judge answer. Never a stack trace.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from xcoder_client.errors import JudgeError, JudgeUnavailable, TestFormatError
from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions, score_queries

__all__ = ["RewardRequest", "make_server"]

PATHS = ("/get_reward", "/")
MAX_BODY_BYTES = 256 * 1024 * 1024
log = logging.getLogger("xcoder_client.reward_server")


class RewardRequest(BaseModel):
    """OpenRLHF's request body (`SingleTurnAgentExecutor._fetch_rewards_via_http`)."""

    model_config = ConfigDict(extra="ignore")

    query: list[str]
    prompts: list[str] | None = None
    labels: list[Any] | None = None


def _handler(options: OpenRLHFRewardOptions) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(HTTPStatus.OK, {"status": "ok"})
            else:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}; POST {PATHS[0]}"})

        def do_POST(self) -> None:
            if self.path.split("?")[0] not in PATHS:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}; POST {PATHS[0]}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                self._send(HTTPStatus.BAD_REQUEST, {"error": "a JSON body with Content-Length is required"})
                return
            try:
                request = RewardRequest.model_validate_json(self.rfile.read(length))
            except ValidationError as exc:
                errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
                self._send(HTTPStatus.BAD_REQUEST, {"error": f"not an OpenRLHF reward request: {errors}"})
                return
            try:
                body = score_queries(request.query, request.prompts, request.labels, options)
            except TestFormatError as exc:
                self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(exc)})
            except JudgeUnavailable as exc:
                log.warning("judge unavailable: %s", exc)
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"judge unavailable: {exc}"})
            except JudgeError as exc:  # misconfiguration or a broken judge answer: not retryable
                log.error("judge error: %s", exc)
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"judge error: {exc}"})
            except ValueError as exc:
                self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            else:
                self._send(HTTPStatus.OK, body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    return Handler


def make_server(host: str, port: int, options: OpenRLHFRewardOptions) -> ThreadingHTTPServer:
    """A server bound to (host, port); port 0 picks a free one (`server.server_address`)."""
    server = ThreadingHTTPServer((host, port), _handler(options))
    server.daemon_threads = True
    return server
