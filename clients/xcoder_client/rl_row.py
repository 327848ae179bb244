"""The one RL row schema (verl 0.9's dataset columns) that every RL parquet of the project has.

SynthSmith's export (``xcoder_synth.export.rl``) and ``rl/convert.py`` both write it, so a file
from either can be re-converted, concatenated or checked without a schema clash. ``extra_info``
is the union of what the two writers know; a writer leaves the columns it does not know empty
(None). Nested metadata is JSON text so every row has the same Arrow type. pyarrow is imported
only by :func:`arrow_schema`: this module is part of the light client.

The reward reads ``extra_info.checker`` (``xcoder_client.checkers``), so a re-convert must keep
it: :func:`carry_extra_info` returns the known columns of an existing row, type-checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

TOP_LEVEL = ("data_source", "prompt", "ability", "reward_model", "extra_info")

EXTRA_INFO: tuple[tuple[str, type], ...] = (
    ("index", int),
    ("split", str),
    ("task_id", str),
    # rl/convert.py: X-Coder's prompt kind and the file the row came from
    ("prompter_type", str),
    ("source_file", str),
    # SynthSmith: how the task was made and verified
    ("style", str),
    ("io", str),
    ("fn_name", str),
    ("checker", str),  # JSON object text; the reward judges with it
    ("time_limit_s", float),
    ("pass_rate", float),
    ("n_tests", int),
    ("features", str),  # JSON list text
    ("golden_candidate_id", str),
    ("provenance", str),  # JSON object text
)
EXTRA_INFO_NAMES = tuple(name for name, _ in EXTRA_INFO)
JSON_OBJECT_COLUMNS = frozenset({"checker", "provenance"})


class BadExtraInfo(ValueError):
    """An existing row's ``extra_info`` does not fit the schema (the row is skipped, counted)."""


def extra_info(values: Mapping[str, Any]) -> dict[str, Any]:
    """A full ``extra_info`` dict: every column, None where ``values`` has none; unknown names are an error."""
    unknown = sorted(set(values) - set(EXTRA_INFO_NAMES))
    if unknown:
        raise ValueError(f"extra_info has no column(s) {unknown}")
    return {name: values.get(name) for name in EXTRA_INFO_NAMES}


def _fits(value: Any, kind: type) -> bool:
    if value is None:
        return True
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _json_object(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False)
    try:
        decoded = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        decoded = None
    if not isinstance(decoded, dict):
        raise BadExtraInfo(f"extra_info.{name} is not a JSON object")
    return value


def carry_extra_info(raw: Any) -> dict[str, Any]:
    """The schema's columns of an existing row's ``extra_info`` (a dict, its JSON text, or None).

    Columns outside the schema are not carried (a parquet struct has fixed fields); a known
    column of the wrong type raises :class:`BadExtraInfo`.
    """
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise BadExtraInfo("extra_info is text but not JSON") from exc
    if not isinstance(raw, Mapping):
        raise BadExtraInfo(f"extra_info is a {type(raw).__name__}, not an object")
    out: dict[str, Any] = {}
    for name, kind in EXTRA_INFO:
        value = raw.get(name)
        if name in JSON_OBJECT_COLUMNS:
            value = _json_object(name, value)
        elif not _fits(value, kind):
            raise BadExtraInfo(f"extra_info.{name} is a {type(value).__name__}, not {kind.__name__}")
        if value is not None:
            out[name] = float(value) if kind is float else value
    return out


def arrow_schema() -> Any:
    """The pyarrow schema of an RL parquet (imports pyarrow)."""
    import pyarrow as pa

    arrow = {int: pa.int64(), str: pa.string(), float: pa.float64()}
    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(message)),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            ("extra_info", pa.struct([(name, arrow[kind]) for name, kind in EXTRA_INFO])),
        ]
    )
