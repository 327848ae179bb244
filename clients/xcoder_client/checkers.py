"""A task's output checker, found wherever a dataset keeps it: the one parser every consumer uses.

SynthSmith writes the checker into `extra_info.checker` (verl rows) or a top-level `checker`
column; converters and hand-made rows put it next to the tests, inside the ground truth. Each
reward (verl, ms-swift, TRL, OpenRLHF), the SFT filter and eval call `task_checker`, so a float
task scored with a tolerance in one place is scored with the same tolerance everywhere.

Places looked at, in a row or given apart:

- `checker` (a column of its own)
- `extra_info.checker` (`extra_info` a dict or its JSON text)
- `reward_model.ground_truth.checker`, `ground_truth.checker`, `label.checker`
  (the ground truth a dict or its JSON text)
- `verification_info.checker`, `tests.checker`

A checker is a judge checker object (`{"kind": "floats", "abs_tol": 1e-6, ...}`) or its JSON.
Two places naming different checkers is a dataset error (`TestFormatError`), never a silent pick.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter, ValidationError
from xcoder_wire.schemas import Checker

from xcoder_client.errors import TestFormatError

__all__ = ["parse_checker", "task_checker"]

_CHECKER = TypeAdapter(Checker)

_NESTED = ("extra_info", "ground_truth", "label", "verification_info", "tests")
"""Row fields that may hold a `checker` key (dicts, or JSON text of one)."""


def parse_checker(value: Any) -> Checker | None:
    """A checker from a dict, its JSON text, a Checker, or nothing (None / empty)."""
    if value is None or value == "" or value == {}:
        return None
    try:
        if isinstance(value, str | bytes):
            value = json.loads(value)
        if value is None:
            return None
        return _CHECKER.validate_python(value)
    except (ValueError, ValidationError) as exc:
        raise TestFormatError(f"checker: not a judge checker: {exc}") from exc


@lru_cache(maxsize=512)
def _checker_in_text(text: str) -> Any:
    """The raw `checker` value inside a JSON object held as text (ground truths are, in parquet)."""
    if not text.lstrip().startswith(("{", '"')):  # an object, or a double-encoded one
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(obj, str):  # double-encoded
        return _checker_in_text(obj)
    return obj.get("checker") if isinstance(obj, Mapping) else None


def _raw_checker(container: Any) -> Any:
    if isinstance(container, Mapping):
        return container.get("checker")
    if isinstance(container, str):
        return _checker_in_text(container)
    return None


def _places(row: Mapping[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("checker", row.get("checker"))]
    for name in _NESTED:
        found.append((f"{name}.checker", _raw_checker(row.get(name))))
    reward_model = row.get("reward_model")
    if isinstance(reward_model, Mapping):
        found.append(("reward_model.ground_truth.checker", _raw_checker(reward_model.get("ground_truth"))))
    return found


def task_checker(
    row: Mapping[str, Any] | None = None,
    *,
    checker: Any = None,
    extra_info: Any = None,
    ground_truth: Any = None,
) -> Checker | None:
    """The task's checker from a row and/or the pieces a framework passes apart; None: tokens.

    `ground_truth` may be a dict or a JSON string (verl's `reward_model.ground_truth`, an
    OpenRLHF label); `extra_info` a dict or JSON string. Raises TestFormatError when a checker
    cannot be parsed or two places disagree.
    """
    places: list[tuple[str, Any]] = []
    if row is not None:
        places += _places(row)
    places += [
        ("checker", checker),
        ("extra_info.checker", _raw_checker(extra_info)),
        ("ground_truth.checker", _raw_checker(ground_truth)),
    ]
    chosen: Checker | None = None
    chosen_at = ""
    for where, raw in places:
        parsed = parse_checker(raw)
        if parsed is None:
            continue
        if chosen is None:
            chosen, chosen_at = parsed, where
        elif parsed != chosen:
            raise TestFormatError(
                f"checker: {chosen_at} ({chosen.model_dump_json()}) and {where} "
                f"({parsed.model_dump_json()}) disagree"
            )
    return chosen
