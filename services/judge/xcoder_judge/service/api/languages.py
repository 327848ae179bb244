"""Which languages (ids and aliases) submissions may use, as offered by the live workers.

Workers publish the languages their toolchains support. The API validates against the union of
what live workers offer, refreshed at most every `refresh_s`. With no live worker (a restart),
submissions are still queued: names are then checked against the engine's static table of known
languages, so a typo is refused even when nobody can judge yet.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from xcoder_wire.admission import LanguageOffer
from xcoder_wire.schemas import LanguageInfo

from xcoder_judge.service.queue.presence import WorkerRecord, read_live


@dataclass(frozen=True, slots=True)
class Offer:
    languages: list[LanguageInfo]
    check: LanguageOffer  # what `check_submission` validates against
    from_workers: bool
    workers: list[WorkerRecord] = field(default_factory=list)


def _harness_ids() -> frozenset[str]:
    """Languages that run call and assert tests (a static engine property)."""
    from xcoder_judge.engine.languages import KNOWN_LANGUAGES

    return frozenset(lang.id for lang in KNOWN_LANGUAGES.values() if lang.python_harness)


def _static_offer() -> Offer:
    """The engine's table of known languages (static: no toolchain probing, nothing executed)."""
    from xcoder_judge.engine.languages import KNOWN_LANGUAGES

    languages = [
        LanguageInfo(
            id=lang.id,
            name=lang.name,
            version="",
            aliases=list(lang.aliases),
            compiled=lang.compiled,
            warm=False,
        )
        for lang in KNOWN_LANGUAGES.values()
    ]
    check = LanguageOffer(frozenset(KNOWN_LANGUAGES), _harness_ids(), where="known languages are")
    return Offer(languages=languages, check=check, from_workers=False)


def offer_from_workers(workers: list[WorkerRecord]) -> Offer:
    by_id: dict[str, LanguageInfo] = {}
    for worker in workers:
        for lang in worker.languages:
            by_id.setdefault(lang.id, lang)
    ids = frozenset(by_id)
    return Offer(
        languages=sorted(by_id.values(), key=lambda x: x.id),
        check=LanguageOffer(ids, _harness_ids() & ids, where="the live workers offer"),
        from_workers=True,
        workers=workers,
    )


class LanguageDirectory:
    def __init__(self, redis: aioredis.Redis, *, refresh_s: float = 1.0) -> None:
        self._redis = redis
        self._refresh_s = refresh_s
        self._cached: Offer | None = None
        self._at = 0.0
        self._static: Offer | None = None
        self._loading: asyncio.Future[Offer] | None = None

    async def offer(self) -> Offer:
        """The current offer; one refresh at a time however many requests ask meanwhile."""
        if self._cached is not None and time.monotonic() - self._at <= self._refresh_s:
            return self._cached
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._load())
        return await asyncio.shield(self._loading)

    async def _load(self) -> Offer:
        workers = await read_live(self._redis)
        if any(w.languages for w in workers):
            offer = offer_from_workers(workers)
        else:
            if self._static is None:
                self._static = _static_offer()
            offer = Offer(
                languages=self._static.languages,
                check=self._static.check,
                from_workers=False,
                workers=workers,
            )
        self._cached, self._at = offer, time.monotonic()
        return offer
