"""Errors raised by the judge clients.

Catch at the level you care about::

    JudgeError                      anything this package raises about the judge
    ├── JudgeConfigError            the client is misconfigured (no URL, bad option); also a ValueError
    ├── JudgeUnavailable            no verdict could be had: retries and time ran out
    │   ├── JudgeTransportError     connect/read failures, timeouts of one HTTP request
    │   ├── JudgeOverloaded         429 answers persisted (queue full)
    │   ├── JudgeServerError        5xx answers persisted (e.g. Redis down: 503)
    │   └── JudgeTimeout            the call's overall deadline passed with jobs unfinished
    ├── JudgeRequestError           the judge refused the request (4xx except 429); never retried
    │   └── JudgeAuthError          401: missing or wrong API key
    └── JudgeProtocolError          the answer breaks the API contract (bad JSON, wrong ids/order)

`JudgeUnavailable` is the one a reward function turns into "unscored": the program was not
judged, so it must not be scored as wrong. `JudgeRequestError` and `JudgeProtocolError` are
bugs or misconfiguration and should stop a run. A test-format problem in a dataset is
`TestFormatError`, which is a ValueError and not a JudgeError (the judge was never asked).
"""

from __future__ import annotations


class JudgeError(Exception):
    """Root of every judge-related error raised by xcoder_client."""


class JudgeConfigError(JudgeError, ValueError):
    """The client cannot be built as configured (for example no judge URL)."""


class JudgeUnavailable(JudgeError):
    """The judge gave no verdict after bounded retries; nothing about the program is known."""

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts


class JudgeTransportError(JudgeUnavailable):
    """A network failure or a per-request timeout, still failing after the last retry."""


class _StatusMixin:
    status_code: int
    body: str


class JudgeOverloaded(JudgeUnavailable, _StatusMixin):
    """The judge kept answering 429 (queue full) until the retries ran out."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        body: str = "",
        retry_after: float | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, attempts=attempts)
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after
        """Seconds the judge asked to wait (Retry-After), if it said."""


class JudgeServerError(JudgeUnavailable, _StatusMixin):
    """The judge kept answering 5xx until the retries ran out."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str = "",
        retry_after: float | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, attempts=attempts)
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after


class JudgeTimeout(JudgeUnavailable):
    """The call's overall deadline passed while submissions were still queued or running."""


class JudgeRequestError(JudgeError, _StatusMixin):
    """The judge rejected the request as invalid (400, 404, 413, 422 …); retrying cannot help."""

    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class JudgeAuthError(JudgeRequestError):
    """401: the judge requires an API key (`XCODER_CLIENT_API_KEY`) and got none or a wrong one;
    403: the key is known but its roles do not allow the call (a read-only key submitting)."""


class JudgeProtocolError(JudgeError):
    """The judge's answer does not match the API contract; results cannot be trusted."""


class TestFormatError(ValueError):
    """Tests in a dataset row could not be understood; the message names what was wrong."""

    __test__ = False  # not a pytest test class
