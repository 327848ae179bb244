"""Exceptions of xcoder-synth.

    SynthError
    ├── ConfigError          a run config or request is invalid (user must fix it)
    ├── LLMError             the LLM endpoint failed after bounded retries (rerun resumes)
    │   └── LLMRequestError  the endpoint refused the request (4xx other than 429): do not retry
    ├── JudgeUnavailable     the judge failed or returned SE after retries (rerun resumes)
    ├── StoreError           the run directory is missing, foreign or corrupt
    └── UndeclaredRead       a stage read a stage output it did not declare (a bug in the stage)

Model mistakes (unparsable replies, broken programs) are never exceptions: stages record them
as rejections with a reason.
"""

from __future__ import annotations


class SynthError(Exception):
    """Root of every error raised on purpose by xcoder-synth."""


class ConfigError(SynthError):
    """The configuration or request is invalid."""


class LLMError(SynthError):
    """The LLM endpoint failed after the configured retries."""


class LLMRequestError(LLMError):
    """The endpoint rejected the request itself; retrying cannot help."""


class JudgeUnavailable(SynthError):
    """The judge could not give a verdict (transport failure or SE) after retries."""


class StoreError(SynthError):
    """The run directory cannot be used."""


class UndeclaredRead(SynthError):
    """A stage read a stage output it does not list in ``reads``; its ``needs`` would be wrong."""
