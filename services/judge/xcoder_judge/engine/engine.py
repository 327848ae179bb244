"""Engine: the one object the service talks to (interface fixed; implementation in progress)."""

from __future__ import annotations

import threading

from xcoder_judge.config import Settings
from xcoder_judge.schemas import Capabilities, LanguageInfo, Submission, SubmissionResult


class Engine:
    """A pool of warm sandbox slots plus the language registry and compile cache.

    `judge()` is thread-safe: many submissions may be judged at once from different threads;
    their tests share the slots. Start it once per worker process.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Spawn the slots and detect languages (idempotent)."""
        raise NotImplementedError

    def close(self) -> None:
        """Kill every slot and everything running in it."""
        raise NotImplementedError

    def judge(self, submission: Submission, *, cancel: threading.Event | None = None) -> SubmissionResult:
        """Compile once, run every test across the slots, check, and return verdicts.

        Never raises for anything the program did; a failure of the judge itself comes back
        as verdict SE with a message. Raises ValueError (message names the field) for input
        the engine cannot judge (unknown language, call tests for a language without a harness).
        """
        raise NotImplementedError

    def languages(self) -> list[LanguageInfo]:
        raise NotImplementedError

    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    def resolve_language(self, name: str) -> str | None:
        """Language id for an id or alias, or None if this node does not offer it."""
        raise NotImplementedError

    @property
    def slots_total(self) -> int:
        raise NotImplementedError

    @property
    def slots_busy(self) -> int:
        raise NotImplementedError
