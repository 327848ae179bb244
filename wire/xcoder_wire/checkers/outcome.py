"""What a checker says about one output."""

from __future__ import annotations

from dataclasses import dataclass

from xcoder_wire.schemas import Verdict


@dataclass(frozen=True)
class CheckOutcome:
    verdict: Verdict
    message: str = ""
    reason: str | None = None  # "checker_error": the checker itself failed on this output


ACCEPTED = CheckOutcome(Verdict.AC)


def show(token: bytes | str, limit: int = 40) -> str:
    """A token as it appears in a message: quoted, decoded leniently, shortened."""
    text = token.decode("utf-8", "replace") if isinstance(token, bytes) else token
    return repr(text if len(text) <= limit else text[:limit] + "…")
