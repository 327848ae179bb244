"""The execution engine: sandboxes, languages, checkers and judging. A library.

It imports no web framework, Redis or RQ; the service (xcoder_judge.service) builds on it.
`Engine` is imported lazily so that `xcoder_judge.engine.languages` (static language data the
API validates against) does not pull in the sandbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xcoder_judge.engine.engine import Engine

__all__ = ["Engine"]


def __getattr__(name: str):
    if name == "Engine":
        from xcoder_judge.engine.engine import Engine

        return Engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
