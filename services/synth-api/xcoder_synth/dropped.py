"""Why an item leaves the pipeline: the one ``Dropped`` type and its reason vocabulary.

Every stage, and the functions they call (``materialize``, ``verify_task``), return this type;
the stage runner writes it to ``rejected.jsonl`` as a :class:`~xcoder_synth.pipeline.store.Rejection`.
Reasons are a closed enum so a report can count them and a typo is an error, not a new bucket.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, Field


class DropReason(str, Enum):
    # an LLM reply could not be used after every attempt (llm/structured.py, llm/parsing.py)
    PARSE_UNFINISHED_REASONING = "parse_unfinished_reasoning"
    PARSE_INVALID_JSON = "parse_invalid_json"
    PARSE_NO_JSON = "parse_no_json"
    PARSE_SCHEMA_MISMATCH = "parse_schema_mismatch"
    PARSE_INVALID_CONTENT = "parse_invalid_content"
    PARSE_TRUNCATED = "parse_truncated"
    # tree, configs
    NO_EXTRACTIONS = "no_extractions"
    NO_VALID_SUBTREE = "no_valid_subtree"
    # decontam
    CONTAMINATED = "contaminated"
    NEAR_DUPLICATE_EVAL = "near_duplicate_eval"
    NEAR_DUPLICATE = "near_duplicate"
    # solve, verify
    TOO_FEW_CANDIDATES = "too_few_candidates"
    # inputs
    NO_VALIDATOR = "no_validator"
    VALIDATOR_REJECTS_EXAMPLES = "validator_rejects_examples"
    TOO_FEW_INPUTS = "too_few_inputs"
    # verify
    CHECKER_INVALID = "checker_invalid"
    SAMPLE_MISMATCH = "sample_mismatch"
    TOO_FEW_TESTS = "too_few_tests"
    TESTS_NOT_DISCRIMINATING = "tests_not_discriminating"
    NO_GOLDEN = "no_golden"
    GOLDEN_FAILS_FINAL_CHECK = "golden_fails_final_check"

    def __str__(self) -> str:  # what a report prints: the code, not the member name
        return self.value

    @classmethod
    def parse(cls, failure_reason: str) -> DropReason:
        """The reason for an LLM reply that failed to parse with ``failure_reason``."""
        return cls(f"parse_{failure_reason}")


DECONTAM_REASONS = (DropReason.CONTAMINATED, DropReason.NEAR_DUPLICATE_EVAL, DropReason.NEAR_DUPLICATE)


class Dropped(BaseModel):
    """An item rejected with a reason; ``extra`` holds what the report shows about it
    (per-input decisions, vote agreements, the overlap found)."""

    reason: DropReason
    detail: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)
