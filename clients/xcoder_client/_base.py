"""The shared core of JudgeClient and AsyncJudgeClient: all logic, no I/O.

Judging a chunk of submissions is written once, as a generator that *yields actions*
(`Send(request)` or `Sleep(seconds)`) and receives what happened (an `httpx.Response`, an
`httpx.TransportError`, or None after a sleep). The sync client drives it with
`httpx.Client` and `time.sleep`, the async client with `httpx.AsyncClient` and
`asyncio.sleep`; neither shell contains any protocol logic. This keeps the twins identical in
behaviour (httpx's sync/async split, without hand-mirrored bodies).

What the protocol guarantees:
- Order: results come back in the order of the submissions given, matched by id (the judge's
  answer must name exactly the ids sent, else JudgeProtocolError), never by position alone.
- Bounded retries: each HTTP exchange is retried at most `max_retries` times on 429 (waiting at
  least Retry-After), 5xx and network errors, with capped exponential backoff and jitter;
  a result with verdict SE is resubmitted under a fresh id at most `max_retries` times.
- A deadline per `judge()` call; polling (`/v1/submissions/lookup`) never outlives it.
- Judge failure is never a wrong answer: it raises JudgeUnavailable, or with
  `on_error="unscored"` gives results with verdict SE ("not judged").

Why one module: the protocol is one generator (submit, poll, resubmit SE, back off) and the
helpers it calls; cutting it would put one state machine in two files. The two I/O shells
(`client.py`, `async_client.py`) and the models (`xcoder_wire`) are already elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import ValidationError
from xcoder_wire.schemas import (
    MAX_ID_LENGTH,
    BatchResponse,
    LanguageInfo,
    LookupRequest,
    Submission,
    SubmissionEnvelope,
    SubmissionResult,
    Verdict,
)

from xcoder_client.errors import (
    JudgeAuthError,
    JudgeConfigError,
    JudgeError,
    JudgeOverloaded,
    JudgeProtocolError,
    JudgeRequestError,
    JudgeServerError,
    JudgeTimeout,
    JudgeTransportError,
    JudgeUnavailable,
)
from xcoder_client.settings import ClientSettings, get_settings

T = TypeVar("T")
OnError = Literal["raise", "unscored"]
ProgressCallback = Callable[[int], None]

READ_MARGIN_S = 30.0
"""Read timeout beyond the server-side wait: the judge answers by `wait`, this covers the network."""
SMALL_CALL_TIMEOUT_S = 30.0
"""Deadline for the small GET endpoints (languages, status)."""
MIN_POLL_INTERVAL_S = 0.2
"""Polls that come back sooner than this with work still pending wait this long before the next."""
UNSCORED_PREFIX = "xcoder-client: not judged: "


# ----------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


Action = Send | Sleep
Reply = httpx.Response | httpx.TransportError | None
Protocol = Generator[Action, Reply, T]


class _Cancelled(JudgeUnavailable):
    """A chunk stopped because another chunk of the same call failed (on_error="raise")."""


# -------------------------------------------------------------------- plan


@dataclass(slots=True)
class _Item:
    """One distinct submission in flight."""

    submission: Submission
    public_id: str
    wire_id: str
    size: int
    se_retries: int = 0

    def payload(self) -> str:
        return self.submission.model_copy(update={"id": self.wire_id}).model_dump_json()


@dataclass(slots=True)
class _Plan:
    items: list[_Item]
    origin: list[int]
    """For each submission given, the index of its distinct item."""
    public_ids: list[str]
    chunks: list[list[int]]
    weights: list[int]
    """Submissions given (duplicates included) per chunk, for progress reporting."""
    cancelled: bool = field(default=False)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _excerpt(response: httpx.Response, limit: int = 500) -> str:
    try:
        return response.text[:limit]
    except Exception:  # undecodable body
        return "<binary body>"


def split_key_from_url(url: str) -> tuple[str, str | None]:
    """The URL without an API key, and the key it carried (`http://:KEY@host`, `http://KEY@host`
    or `?api_key=KEY`, as the judge accepts them), so that a setting holding only a URL (a
    trainer's reward config) can carry a key, and the key is sent as a header, never logged."""
    parsed = urllib.parse.urlsplit(url)
    key = parsed.password or parsed.username or None
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    from_query = [v for k, v in query if k == "api_key"]
    if from_query:
        key = key or from_query[-1]
        query = [(k, v) for k, v in query if k != "api_key"]
    if key is None:
        return url, None
    netloc = parsed.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"  # an IPv6 literal
    if parsed.port is not None:
        netloc += f":{parsed.port}"
    clean = parsed._replace(netloc=netloc, query=urllib.parse.urlencode(query))
    return urllib.parse.urlunsplit(clean), urllib.parse.unquote(key)


class BaseJudgeClient:
    """Configuration, request building, response checking and the judging protocol."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float | None = None,
        max_concurrency: int | None = None,
        chunk_size: int | None = None,
        max_retries: int | None = None,
        settings: ClientSettings | None = None,
        dedupe: bool = True,
    ) -> None:
        s = settings or get_settings()
        url = base_url or s.judge_url
        if not url:
            raise JudgeConfigError("no judge URL: pass base_url or set XCODER_CLIENT_JUDGE_URL")
        if not url.startswith(("http://", "https://")):
            raise JudgeConfigError(f"judge URL must start with http:// or https://, got {url!r}")
        url, url_key = split_key_from_url(url)
        self.base_url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else (url_key or s.api_key)
        self.timeout = float(timeout if timeout is not None else s.timeout_s)
        self.max_concurrency = int(max_concurrency if max_concurrency is not None else s.max_concurrency)
        self.chunk_size = int(chunk_size if chunk_size is not None else s.chunk_size)
        self.max_retries = int(max_retries if max_retries is not None else s.max_retries)
        if (
            self.timeout <= 0
            or self.max_concurrency < 1
            or not 1 <= self.chunk_size <= 4096
            or self.max_retries < 0
        ):
            raise JudgeConfigError(
                "need timeout > 0, max_concurrency >= 1, 1 <= chunk_size <= 4096, max_retries >= 0"
            )
        self.max_request_bytes = s.max_request_bytes
        self.backoff_s = s.backoff_s
        self.max_backoff_s = s.max_backoff_s
        self.wait_s = s.wait_s
        self.connect_timeout_s = s.connect_timeout_s
        self.dedupe = dedupe
        self._headers = {"Accept": "application/json", "User-Agent": "xcoder-client/0.1"}
        if self.api_key:
            self._headers["Authorization"] = f"Bearer {self.api_key}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    # ------------------------------------------------------------ requests

    def _request(
        self, method: str, path: str, *, body: str | None = None, params=None, read_s: float
    ) -> httpx.Request:
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        # No pool timeout: the client's gate already bounds requests in flight to the pool size.
        timeout = httpx.Timeout(read_s, connect=self.connect_timeout_s, pool=None)
        return httpx.Request(
            method,
            self.base_url + path,
            params=params,
            content=body.encode("utf-8", "surrogatepass") if body is not None else None,
            headers=headers,
            extensions={"timeout": timeout.as_dict()},
        )

    def _wait(self, deadline: float) -> float:
        return round(max(0.0, min(self.wait_s, deadline - time.monotonic())), 3)

    def _batch_request(self, items: Sequence[_Item], deadline: float) -> httpx.Request:
        wait = self._wait(deadline)
        body = '{"submissions":[' + ",".join(item.payload() for item in items) + "]}"
        return self._request(
            "POST", "/v1/submissions/batch", body=body, params={"wait": wait}, read_s=wait + READ_MARGIN_S
        )

    def _lookup_request(self, items: Sequence[_Item], deadline: float) -> httpx.Request:
        wait = self._wait(deadline)
        body = LookupRequest(ids=[it.wire_id for it in items], wait=wait).model_dump_json()
        return self._request("POST", "/v1/submissions/lookup", body=body, read_s=wait + READ_MARGIN_S)

    # ------------------------------------------------------ error handling

    def _classify(self, reply: Reply, what: str, *, allow_404: bool = False) -> JudgeError | None:
        """None for a usable answer, else the error it stands for (retryable or not)."""
        if isinstance(reply, httpx.TransportError):
            return JudgeTransportError(f"{what}: {type(reply).__name__}: {reply or 'no detail'}")
        assert isinstance(reply, httpx.Response)
        code = reply.status_code
        if 200 <= code < 300 or (code == 404 and allow_404):
            return None
        body = _excerpt(reply)
        if code == 429:
            return JudgeOverloaded(
                f"{what}: judge queue full (429)", body=body, retry_after=_retry_after(reply)
            )
        if code >= 500:
            message = f"{what}: judge answered {code}: {body[:200]}"
            return JudgeServerError(message, status_code=code, body=body, retry_after=_retry_after(reply))
        if code == 401:
            return JudgeAuthError(
                f"{what}: 401 unauthorized: set XCODER_CLIENT_API_KEY", status_code=code, body=body
            )
        if code == 403:
            return JudgeAuthError(
                f"{what}: 403 forbidden: the key's roles do not allow this (a read-only or operator "
                f"key where a submit key is needed?): {body[:300]}",
                status_code=code,
                body=body,
            )
        return JudgeRequestError(
            f"{what}: judge refused the request ({code}): {body}", status_code=code, body=body
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.max_backoff_s, self.backoff_s * (2 ** (attempt - 1)))
        delay *= random.uniform(0.5, 1.0)
        return max(delay, retry_after or 0.0)

    def _exchange(
        self,
        make_request: Callable[[], httpx.Request],
        deadline: float,
        what: str,
        *,
        allow_404: bool = False,
    ) -> Protocol[httpx.Response]:
        """One HTTP exchange with bounded retries; returns the response or raises a JudgeError."""
        attempt = 0
        while True:
            reply = yield Send(make_request())
            error = self._classify(reply, what, allow_404=allow_404)
            if error is None:
                assert isinstance(reply, httpx.Response)
                return reply
            if not isinstance(error, JudgeUnavailable):
                raise error
            attempt += 1
            error.attempts = attempt
            if attempt > self.max_retries:
                raise error
            delay = self._backoff(attempt, getattr(error, "retry_after", None))
            if time.monotonic() + delay >= deadline:
                raise JudgeTimeout(
                    f"{what}: deadline reached while retrying: {error}", attempts=attempt
                ) from error
            yield Sleep(delay)

    # ------------------------------------------------------------ planning

    def _plan(self, submissions: Iterable[Submission | Mapping[str, Any]]) -> _Plan:
        items: list[_Item] = []
        origin: list[int] = []
        public_ids: list[str] = []
        seen: dict[str, int] = {}
        for n, raw in enumerate(submissions):
            try:
                sub = raw if isinstance(raw, Submission) else Submission.model_validate(raw)
            except ValidationError as exc:
                raise JudgeConfigError(f"submission {n} is invalid: {exc}") from exc
            if sub.id is not None:
                key = "id:" + sub.id
            elif self.dedupe:
                key = (
                    "sha256:"
                    + hashlib.sha256(sub.model_dump_json().encode("utf-8", "surrogatepass")).hexdigest()
                )
            else:
                key = f"n:{n}"
            slot = seen.get(key)
            if slot is None:
                slot = seen[key] = len(items)
                public_id = sub.id or f"xc-{uuid.uuid4().hex}"
                item = _Item(submission=sub, public_id=public_id, wire_id=public_id, size=0)
                item.size = len(item.payload()) + 1
                items.append(item)
            origin.append(slot)
            public_ids.append(sub.id or items[slot].public_id)
        chunks: list[list[int]] = []
        current: list[int] = []
        current_bytes = 0
        for slot, item in enumerate(items):
            if current and (
                len(current) >= self.chunk_size or current_bytes + item.size > self.max_request_bytes
            ):
                chunks.append(current)
                current, current_bytes = [], 0
            current.append(slot)
            current_bytes += item.size
        if current:
            chunks.append(current)
        chunk_of = {slot: c for c, slots in enumerate(chunks) for slot in slots}
        weights = [0] * len(chunks)
        for slot in origin:
            weights[chunk_of[slot]] += 1
        return _Plan(items, origin, public_ids, chunks, weights)

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.timeout if timeout is None else float(timeout))

    # ------------------------------------------------------------ protocol

    def _envelopes(
        self, response: httpx.Response, sent: Sequence[_Item], what: str
    ) -> list[SubmissionEnvelope]:
        """The answer's envelopes in the order of `sent`, matched by id; the ids must match exactly."""
        try:
            answer = BatchResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise JudgeProtocolError(f"{what}: answer is not a BatchResponse: {exc}") from exc
        by_id = {env.id: env for env in answer.items}
        wanted = [it.wire_id for it in sent]
        if len(answer.items) != len(sent) or len(by_id) != len(sent) or set(by_id) != set(wanted):
            raise JudgeProtocolError(
                f"{what}: sent {len(sent)} submissions, the answer names {len(answer.items)} "
                f"({len(set(by_id) & set(wanted))} of them ours); refusing to guess which result is whose"
            )
        envelopes = [by_id[w] for w in wanted]
        for env in envelopes:
            if env.result is not None and env.result.id != env.id:
                raise JudgeProtocolError(f"{what}: envelope {env.id} carries the result of {env.result.id}")
        return envelopes

    def _judge_chunk(
        self, plan: _Plan, chunk: Sequence[int], deadline: float
    ) -> Protocol[dict[int, SubmissionResult]]:
        """Submit one chunk, poll until every item is done, resubmit SE results; bounded throughout."""
        items = {slot: plan.items[slot] for slot in chunk}
        results: dict[int, SubmissionResult] = {}
        to_submit = list(chunk)
        to_poll: list[int] = []
        lost_rounds = 0
        while to_submit or to_poll:
            if plan.cancelled:
                raise _Cancelled("another chunk of this call failed")
            if time.monotonic() >= deadline:
                raise JudgeTimeout(
                    f"deadline reached with {len(to_submit) + len(to_poll)} submissions unfinished"
                )
            started = time.monotonic()
            polling = not to_submit
            if to_submit:
                batch, to_submit = to_submit, []
                sent = [items[s] for s in batch]
                response = yield from self._exchange(
                    lambda sent=sent: self._batch_request(sent, deadline),
                    deadline,
                    "POST /v1/submissions/batch",
                )
            else:
                batch, to_poll = to_poll, []
                sent = [items[s] for s in batch]
                response = yield from self._exchange(
                    lambda sent=sent: self._lookup_request(sent, deadline),
                    deadline,
                    "POST /v1/submissions/lookup",
                    allow_404=True,
                )
                if response.status_code == 404:
                    # Results expired or the queue lost them: resubmitting is safe (ids are idempotency keys).
                    lost_rounds += 1
                    if lost_rounds > self.max_retries:
                        raise JudgeUnavailable(f"judge kept losing submissions: {_excerpt(response, 200)}")
                    to_submit = batch
                    continue
            se_retry = False
            for slot, env in zip(batch, self._envelopes(response, sent, "judge answer"), strict=True):
                item = items[slot]
                if not env.status.terminal or env.result is None:
                    to_poll.append(slot)
                elif (
                    env.result.verdict is Verdict.SE
                    and env.result.rejection is None  # refused as sent: a retry cannot help
                    and item.se_retries < self.max_retries
                ):
                    item.se_retries += 1
                    item.wire_id = _retry_id(item.public_id, item.se_retries)
                    to_submit.append(slot)
                    se_retry = True
                else:
                    results[slot] = env.result
            if polling and to_poll and time.monotonic() - started < MIN_POLL_INTERVAL_S:
                yield Sleep(MIN_POLL_INTERVAL_S)  # the judge answered at once: do not hammer it
            if se_retry:
                attempt = max(items[s].se_retries for s in to_submit)
                yield Sleep(min(self._backoff(attempt, None), max(0.0, deadline - time.monotonic())))
        return results

    # ------------------------------------------------------------- results

    def _unscored(self, item: _Item, exc: BaseException) -> SubmissionResult:
        return SubmissionResult(
            id=item.public_id,
            verdict=Verdict.SE,
            score=0.0,
            passed=0,
            total=len(item.submission.tests),
            message=UNSCORED_PREFIX + str(exc),
            language=item.submission.language,
            attempts=0,
        )

    def _assemble(
        self, plan: _Plan, outcomes: Sequence[dict[int, SubmissionResult] | BaseException], on_error: OnError
    ) -> list[SubmissionResult]:
        """Results in the caller's order; failed chunks raise or become explicit SE results."""
        by_slot: dict[int, SubmissionResult] = {}
        first_error: BaseException | None = None
        for chunk, outcome in zip(plan.chunks, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, JudgeUnavailable) or on_error == "raise":
                    first_error = first_error or outcome
                    continue
                for slot in chunk:
                    by_slot[slot] = self._unscored(plan.items[slot], outcome)
            else:
                by_slot.update(outcome)
        if first_error is not None:
            # Prefer the error that caused the failure over the "cancelled" ones it triggered.
            real = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, _Cancelled)]
            raise (real[0] if real else first_error)
        out = []
        for public_id, slot in zip(plan.public_ids, plan.origin, strict=True):
            result = by_slot[slot]
            out.append(result if result.id == public_id else result.model_copy(update={"id": public_id}))
        return out

    # --------------------------------------------------------- small calls

    def _get_json(self, path: str) -> Protocol[Any]:
        deadline = time.monotonic() + SMALL_CALL_TIMEOUT_S
        response = yield from self._exchange(
            lambda: self._request("GET", path, read_s=SMALL_CALL_TIMEOUT_S), deadline, f"GET {path}"
        )
        try:
            return response.json()
        except json.JSONDecodeError as exc:
            raise JudgeProtocolError(f"GET {path}: answer is not JSON") from exc

    def _languages(self) -> Protocol[list[LanguageInfo]]:
        data = yield from self._get_json("/v1/languages")
        try:
            return [LanguageInfo.model_validate(x) for x in data]
        except (ValidationError, TypeError) as exc:
            raise JudgeProtocolError(f"GET /v1/languages: unexpected answer: {exc}") from exc

    def _ready_request(self) -> httpx.Request:
        return self._request("GET", "/readyz", read_s=10.0)


def _retry_id(public_id: str, attempt: int) -> str:
    """A fresh idempotency key for resubmitting an SE result (the old id would return the SE job)."""
    suffix = f".r{attempt}"
    if len(public_id) + len(suffix) <= MAX_ID_LENGTH:
        return public_id + suffix
    return hashlib.sha256(public_id.encode()).hexdigest()[:64] + suffix
