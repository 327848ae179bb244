"""A tiny OpenAI-compatible chat server that replays fixed completions (the only fake in these tests: the LLM).

Each replay entry is `{"match": "<substring of the prompt>", "completions": [...]}`. A request
whose last user message contains `match` gets the entry's next `n` completions, cycling, so k
samples of a problem are exactly its k completions. Requests are recorded for assertions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ReplayServer:
    def __init__(self, entries: list[dict[str, Any]], *, fail_first: int = 0):
        self.entries = entries
        self.cursors = [0] * len(entries)
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first  # answer 503 to the first N requests (retry behaviour)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503, {"error": {"message": "warming up"}}
            messages = body.get("messages") or []
            prompt = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
            i = next((n for n, e in enumerate(self.entries) if e["match"] in prompt), None)
            if i is None:
                return 400, {"error": {"message": "no replay entry matches the prompt"}}
            entry = self.entries[i]
            n = int(body.get("n") or 1)
            texts = []
            for _ in range(n):
                texts.append(entry["completions"][self.cursors[i] % len(entry["completions"])])
                self.cursors[i] += 1
        choices = [
            {"index": j, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for j, t in enumerate(texts)
        ]
        return 200, {
            "id": "replay",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": choices,
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": "replay", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "bad JSON"}})
                    return
                self._send(*server._answer(body))

        return Handler
