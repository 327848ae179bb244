"""Seed problems: the small set of real problems whose features start the tree."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.errors import ConfigError
from xcoder_synth.ids import stable_id

STATEMENT_FIELDS = ("statement", "question", "problem", "problem_statement", "content")
SOLUTION_FIELDS = ("solution", "solutions", "reference_solution", "code")


class Seed(BaseModel):
    id: str
    statement: str = Field(min_length=1)
    solution: str | None = None
    source: str | None = None


def _first_solution(value: Any) -> str | None:
    """TACO stores solutions as a JSON (or Python-literal) list in a string; take the first."""
    if value is None:
        return None
    if isinstance(value, list):
        return next((s for s in value if isinstance(s, str) and s.strip()), None)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            for parse in (json.loads, ast.literal_eval):
                try:
                    parsed = parse(text)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(parsed, list):
                    return _first_solution(parsed)
        return value if text else None
    return None


def seed_from_record(record: dict[str, Any], line: int) -> Seed:
    statement = next((record[f] for f in STATEMENT_FIELDS if isinstance(record.get(f), str)), None)
    if not statement or not statement.strip():
        raise ConfigError(f"seed line {line}: no statement (looked for {', '.join(STATEMENT_FIELDS)})")
    solution = next((_first_solution(record[f]) for f in SOLUTION_FIELDS if f in record), None)
    seed_id = str(record["id"]) if record.get("id") is not None else stable_id("seed", statement)
    return Seed(id=seed_id, statement=statement, solution=solution, source=record.get("source"))


def load_seeds(path: Path) -> Iterator[Seed]:
    if not path.exists():
        raise ConfigError(f"seed file not found: {path}")
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path}:{line_no}: not JSON: {exc}") from exc
            if not isinstance(record, dict):
                raise ConfigError(f"{path}:{line_no}: expected a JSON object")
            yield seed_from_record(record, line_no)
