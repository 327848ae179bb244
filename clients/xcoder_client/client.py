"""JudgeClient: the synchronous shell over the shared protocol in `_base`.

Chunks run on a thread pool; at most `max_concurrency` requests are in flight per client, across
concurrent calls too. httpx.Client is thread-safe and pools connections. Use one client for many
calls, and close it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from xcoder_wire.schemas import LanguageInfo, Submission, SubmissionResult

from xcoder_client._base import BaseJudgeClient, OnError, ProgressCallback, Protocol, Sleep, T


class JudgeClient(BaseJudgeClient):
    """Blocking judge client. Arguments default to the `XCODER_CLIENT_*` settings.

    `transport` swaps the network for an `httpx.BaseTransport` (e.g. `httpx.MockTransport`).
    """

    def __init__(
        self, base_url: str | None = None, *, transport: httpx.BaseTransport | None = None, **options: Any
    ):
        super().__init__(base_url, **options)
        pool = httpx.Limits(
            max_connections=self.max_concurrency + 2, max_keepalive_connections=self.max_concurrency + 2
        )
        self._http = httpx.Client(transport=transport, limits=pool)
        self._gate = threading.BoundedSemaphore(self.max_concurrency)
        """Batch requests in flight across every judge() call on this client, from any thread."""

    def judge(
        self,
        submissions: Iterable[Submission | Mapping[str, Any]],
        *,
        on_error: OnError = "raise",
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[SubmissionResult]:
        """Judge many submissions; results in the same order. See `_base` for the guarantees."""
        plan = self._plan(submissions)
        deadline = self._deadline(timeout)

        def run(c: int) -> Any:
            try:
                result = self._drive(self._judge_chunk(plan, plan.chunks[c], deadline))
            except Exception as exc:  # collected and raised (or turned unscored) by _assemble
                if on_error == "raise":
                    plan.cancelled = True
                return exc
            if progress is not None:
                progress(plan.weights[c])
            return result

        if len(plan.chunks) <= 1:
            outcomes = [run(c) for c in range(len(plan.chunks))]
        else:
            with ThreadPoolExecutor(min(self.max_concurrency, len(plan.chunks)), "xcoder-judge") as pool:
                outcomes = list(pool.map(run, range(len(plan.chunks))))
        return self._assemble(plan, outcomes, on_error)

    def languages(self) -> list[LanguageInfo]:
        """Languages the live workers offer (GET /v1/languages)."""
        return self._drive(self._languages())

    def status(self) -> dict[str, Any]:
        """Queue depths, workers and busy slots (GET /v1/status), as the judge reports them."""
        return self._drive(self._get_json("/v1/status"))

    def ready(self) -> bool:
        """True when the judge answers /readyz with 200 (Redis up, a worker alive). Never raises."""
        try:
            return self._http.send(self._ready_request()).status_code == 200
        except httpx.HTTPError:
            return False

    def _drive(self, protocol: Protocol[T]) -> T:
        reply = None
        while True:
            try:
                action = protocol.send(reply)
            except StopIteration as stop:
                return stop.value
            if isinstance(action, Sleep):
                time.sleep(action.seconds)
                reply = None
            else:
                try:
                    with self._gate:
                        reply = self._http.send(action.request)
                except httpx.TransportError as exc:
                    reply = exc

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JudgeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = ["JudgeClient"]
