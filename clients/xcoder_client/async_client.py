"""AsyncJudgeClient: the asyncio shell over the shared protocol in `_base`.

A client is bound to the event loop it is first used in (httpx connections belong to a loop).
Frameworks that run `asyncio.run` per step (ms-swift) must create one per call, or use
`xcoder_client.coalesce.shared_coalescer()`, which keeps one per running loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from xcoder_wire.schemas import LanguageInfo, Submission, SubmissionResult

from xcoder_client._base import BaseJudgeClient, OnError, ProgressCallback, Protocol, Sleep, T


class AsyncJudgeClient(BaseJudgeClient):
    """Asyncio judge client with the same names and guarantees as JudgeClient (coroutines)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ):
        super().__init__(base_url, **options)
        pool = httpx.Limits(
            max_connections=self.max_concurrency + 2, max_keepalive_connections=self.max_concurrency + 2
        )
        self._http = httpx.AsyncClient(transport=transport, limits=pool)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate: asyncio.Semaphore | None = None
        """Batch requests in flight across every judge() call on this client (made in its loop)."""

    async def judge(
        self,
        submissions: Iterable[Submission | Mapping[str, Any]],
        *,
        on_error: OnError = "raise",
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[SubmissionResult]:
        """Judge many submissions; results in the same order. See `_base` for the guarantees."""
        self._check_loop()
        plan = self._plan(submissions)
        deadline = self._deadline(timeout)

        async def run(c: int) -> Any:
            try:
                result = await self._drive(self._judge_chunk(plan, plan.chunks[c], deadline))
            except Exception as exc:  # collected and raised (or turned unscored) by _assemble
                if on_error == "raise":
                    plan.cancelled = True
                return exc
            if progress is not None:
                progress(plan.weights[c])
            return result

        outcomes = await asyncio.gather(*(run(c) for c in range(len(plan.chunks))))
        return self._assemble(plan, outcomes, on_error)

    async def languages(self) -> list[LanguageInfo]:
        self._check_loop()
        return await self._drive(self._languages())

    async def status(self) -> dict[str, Any]:
        self._check_loop()
        return await self._drive(self._get_json("/v1/status"))

    async def ready(self) -> bool:
        self._check_loop()
        try:
            return (await self._http.send(self._ready_request())).status_code == 200
        except httpx.HTTPError:
            return False

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._gate = asyncio.Semaphore(self.max_concurrency)
        elif self._loop is not loop:
            raise RuntimeError(
                "AsyncJudgeClient is bound to the event loop it was first used in; create one per loop "
                "(or use xcoder_client.coalesce.shared_coalescer(), which keeps one per loop)"
            )

    async def _drive(self, protocol: Protocol[T]) -> T:
        reply = None
        while True:
            try:
                action = protocol.send(reply)
            except StopIteration as stop:
                return stop.value
            if isinstance(action, Sleep):
                await asyncio.sleep(action.seconds)
                reply = None
            else:
                assert self._gate is not None
                try:
                    async with self._gate:
                        reply = await self._http.send(action.request)
                except httpx.TransportError as exc:
                    reply = exc

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncJudgeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
