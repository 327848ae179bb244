"""A local OpenAI-compatible chat server that replays authored responses, keyed by request.

No model and no network: each request is matched against recording rules and answered with the
rule's response. Rules match on the prompt id header xcoder-synth sends (``X-XCoder-Prompt``),
substrings of the messages, and optionally the sample and attempt index; the most specific
matching rule wins. A request no rule matches gets HTTP 400 naming the prompt, so a missing
recording fails loudly instead of silently.

Recording files are YAML (or JSON) lists of rules::

    - name: write-codeforces-harbour
      prompt: tasks.write.codeforces      # id, or id@version
      contains: ["harbour cranes"]        # all must occur in the messages
      attempt: 0                          # optional; also: sample
      responses: ["<reply for sample 0>", "<reply for sample 1>"]   # by sample index, cycling
      finish_reason: stop                 # optional
      reasoning: "..."                    # optional separate reasoning channel

For tests it also records every request, can fail the next N requests with a status (retry
tests) and can hold requests after the K-th until released (kill-and-resume tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator


class Rule(BaseModel):
    name: str
    prompt: str | None = None
    contains: list[str] = Field(default_factory=list)
    sample: int | None = None
    attempt: int | None = None
    responses: list[str] = Field(default_factory=list)
    response: str | None = None
    reasoning: str | None = None
    finish_reason: str = "stop"

    @model_validator(mode="after")
    def _one_response(self) -> Rule:
        if self.response is not None:
            self.responses = [self.response, *self.responses]
        if not self.responses:
            raise ValueError(f"rule {self.name!r} has no response")
        return self

    def specificity(self) -> int:
        return len(self.contains) + sum(x is not None for x in (self.prompt, self.sample, self.attempt))

    def matches(self, prompt: str, sample: int, attempt: int, text: str) -> bool:
        if self.prompt is not None and prompt != self.prompt and prompt.split("@")[0] != self.prompt:
            return False
        if self.sample is not None and self.sample != sample:
            return False
        if self.attempt is not None and self.attempt != attempt:
            return False
        return all(c in text for c in self.contains)


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    rules: list[Rule] = []
    for path in paths:
        files = sorted(path.glob("*.y*ml")) + sorted(path.glob("*.json")) if path.is_dir() else [path]
        for f in files:
            data = json.loads(f.read_text()) if f.suffix == ".json" else yaml.safe_load(f.read_text())
            for raw in data or []:
                rules.append(Rule.model_validate(raw))
    return rules


class LoggedRequest(BaseModel):
    key: str
    prompt: str
    sample: int
    attempt: int
    rule: str | None
    status: int


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


_KEY_FIELDS = ("model", "messages", "seed", "temperature", "top_p", "max_tokens")
"""The body fields that make two requests the same request (the logged key)."""


@dataclass(frozen=True)
class _Call:
    """One chat request as the rules see it: xcoder-synth's headers, the messages, the key."""

    key: str
    prompt: str
    sample: int
    attempt: int
    text: str
    model: Any

    @classmethod
    async def read(cls, request: Request) -> _Call:
        body = await request.json()
        key_fields = {k: body.get(k) for k in _KEY_FIELDS}
        return cls(
            key=hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode()).hexdigest(),
            prompt=request.headers.get("x-xcoder-prompt", ""),
            sample=int(request.headers.get("x-xcoder-sample", "0")),
            attempt=int(request.headers.get("x-xcoder-attempt", "0")),
            text="\n".join(str(m.get("content", "")) for m in body.get("messages", [])),
            model=body.get("model", "replay"),
        )

    def logged(self, rule: str | None, status: int) -> LoggedRequest:
        return LoggedRequest(
            key=self.key,
            prompt=self.prompt,
            sample=self.sample,
            attempt=self.attempt,
            rule=rule,
            status=status,
        )


class ReplayState:
    """The rules, the request log, and the test controls: injected failures and the gate."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.log: list[LoggedRequest] = []
        self.fail_next = 0
        self.fail_status = 503
        self.gate_after: int | None = None
        self.waiting = 0
        self.release: asyncio.Event | None = None

    async def pass_gate(self) -> None:
        """Hold the request while the gate is shut and ``gate_after`` requests are logged."""
        if self.gate_after is None or len(self.log) < self.gate_after:
            return
        self.waiting += 1
        if self.release is None:
            self.release = asyncio.Event()
        await self.release.wait()
        self.waiting -= 1

    def open_gate(self) -> None:
        self.gate_after = None
        if self.release is not None:
            self.release.set()
            self.release = None

    def answer(self, call: _Call) -> JSONResponse:
        """An injected failure, the most specific matching rule's response, or 400; logged."""
        if self.fail_next > 0:
            self.fail_next -= 1
            self.log.append(call.logged(None, self.fail_status))
            return JSONResponse(
                {"error": {"message": "injected failure", "type": "server_error"}},
                status_code=self.fail_status,
            )
        matching = [r for r in self.rules if r.matches(call.prompt, call.sample, call.attempt, call.text)]
        if not matching:
            self.log.append(call.logged(None, 400))
            excerpt = call.text[-300:].replace("\n", " ")
            message = f"no recording for prompt {call.prompt!r} sample {call.sample} attempt {call.attempt}: …{excerpt}"
            return JSONResponse(
                {"error": {"message": message, "type": "invalid_request_error"}}, status_code=400
            )
        rule = max(matching, key=lambda r: r.specificity())  # max keeps the first of equals
        self.log.append(call.logged(rule.name, 200))
        return JSONResponse(_completion(call, rule))


def _completion(call: _Call, rule: Rule) -> dict[str, Any]:
    """An OpenAI chat completion carrying the rule's response for the call's sample."""
    content = rule.responses[call.sample % len(rule.responses)]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if rule.reasoning is not None:
        message["reasoning_content"] = rule.reasoning
    prompt_tokens = _tokens(call.text)
    completion_tokens = _tokens(content + (rule.reasoning or ""))
    return {
        "id": f"chatcmpl-{call.key[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.model,
        "choices": [{"index": 0, "message": message, "finish_reason": rule.finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def create_app(rules: list[Rule]) -> FastAPI:
    """The OpenAI routes xcoder-synth calls, and the ``/_replay`` controls tests drive."""
    app = FastAPI(title="xcoder-synth replay server")
    state = ReplayState(rules)
    app.state.replay = state
    _openai_routes(app, state)
    _control_routes(app, state)
    return app


def _openai_routes(app: FastAPI, state: ReplayState) -> None:
    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "replay", "object": "model", "owned_by": "xcoder-synth"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        call = await _Call.read(request)
        await state.pass_gate()
        return state.answer(call)


def _control_routes(app: FastAPI, state: ReplayState) -> None:
    @app.get("/_replay/log")
    async def get_log() -> dict[str, Any]:
        return {"requests": [r.model_dump() for r in state.log], "waiting": state.waiting}

    @app.post("/_replay/reset")
    async def reset() -> dict[str, str]:
        state.log.clear()
        state.fail_next = 0
        state.open_gate()
        return {"status": "ok"}

    @app.post("/_replay/faults")
    async def faults(spec: dict[str, int]) -> dict[str, str]:
        state.fail_next = int(spec.get("fail_next", 0))
        state.fail_status = int(spec.get("status", 503))
        return {"status": "ok"}

    @app.post("/_replay/gate")
    async def gate(spec: dict[str, int | None]) -> dict[str, str]:
        """Hold every request after the first ``after`` ones until ``/_replay/release``."""
        state.gate_after = spec.get("after")
        state.release = asyncio.Event()
        return {"status": "ok"}

    @app.post("/_replay/release")
    async def release() -> dict[str, str]:
        state.open_gate()
        return {"status": "ok"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReplayServer:
    """Serve recordings on 127.0.0.1 in a background thread: ``with ReplayServer(rules) as srv: srv.url``."""

    def __init__(self, rules: list[Rule], *, port: int | None = None) -> None:
        self.app = create_app(rules)
        self.port = port or _free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, name="replay-server", daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI base URL (with /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def state(self) -> ReplayState:
        return self.app.state.replay

    def start(self) -> ReplayServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("replay server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=10)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
