"""Whether a submission can be judged where it is offered: the one check the API and engine share.

Schema validation (`xcoder_wire.schemas`) knows everything that holds everywhere. What it cannot
know is what a node offers: the API learns that from the live workers, the engine from its
toolchains. Both pass it here as a `LanguageOffer` and get back the submission with canonical
language ids, or a `SubmissionError` that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from xcoder_wire.languages import resolve_alias
from xcoder_wire.schemas import ProgramChecker, Submission


@dataclass(frozen=True)
class LanguageOffer:
    """The language ids a node (or the live workers together) can run.

    `harness`: the ids among them that run call and assert tests. `where` says in an error message
    whose offer it is ("this node offers", "the live workers offer").
    """

    languages: frozenset[str]
    harness: frozenset[str]
    where: str

    def resolve(self, name: str) -> str | None:
        """The offered language id `name` means, or None.

        An offered id the wire table does not know (a newer worker) is still accepted by its id.
        """
        key = name.strip().lower()
        lang_id = key if key in self.languages else resolve_alias(key)
        return lang_id if lang_id in self.languages else None


class SubmissionError(ValueError):
    """A well-formed submission that cannot be judged as offered; `loc` names the field."""

    def __init__(self, loc: tuple[str, ...], msg: str, kind: str) -> None:
        super().__init__(f"{'.'.join(loc)}: {msg}")
        self.loc = loc
        self.msg = msg
        self.kind = kind


def check_submission(sub: Submission, offer: LanguageOffer) -> Submission:
    """`sub` with every language name resolved to an offered id; SubmissionError if it cannot be.

    Checked in the order a reader finds the fields: the language, the test kinds it can run, the
    checker program's language, the interactor's.
    """
    updates: dict[str, object] = {}
    lang = _resolve(sub.language, offer, ("language",))
    if lang != sub.language:
        updates["language"] = lang
    harness = sorted({t.kind for t in sub.tests if t.kind != "stdio"})
    if harness and lang not in offer.harness:
        runs = ", ".join(sorted(offer.harness)) or "no offered language"
        raise SubmissionError(
            ("tests",),
            f"{' and '.join(harness)} tests run only in {runs}; {lang} cannot run them",
            kind="unsupported_test_kind",
        )
    if isinstance(sub.checker, ProgramChecker):
        checker_lang = _resolve(sub.checker.language, offer, ("checker", "language"))
        if checker_lang != sub.checker.language:
            updates["checker"] = sub.checker.model_copy(update={"language": checker_lang})
    if sub.interactor is not None:
        inter_lang = _resolve(sub.interactor.language, offer, ("interactor", "language"))
        if inter_lang != sub.interactor.language:
            updates["interactor"] = sub.interactor.model_copy(update={"language": inter_lang})
    return sub.model_copy(update=updates) if updates else sub


def _resolve(name: str, offer: LanguageOffer, loc: tuple[str, ...]) -> str:
    lang = offer.resolve(name)
    if lang is None:
        offered = ", ".join(sorted(offer.languages)) or "(none)"
        raise SubmissionError(
            loc, f"unknown language {name!r}; {offer.where}: {offered}", kind="unknown_language"
        )
    return lang
