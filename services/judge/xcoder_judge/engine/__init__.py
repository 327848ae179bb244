"""The execution engine: sandboxes, languages, checkers and judging. A library.

It imports no web framework, Redis or RQ; the service (xcoder_judge.service) builds on it.
"""

from xcoder_judge.engine.engine import Engine

__all__ = ["Engine"]
