"""Prompts of the feature stages: extraction from a seed problem, and tree evolution."""

from __future__ import annotations

import json
from typing import Any

from xcoder_synth.features.schema import CATEGORIES
from xcoder_synth.prompts import RenderedPrompt, render

EXTRACT_ID, EXTRACT_VERSION = "features.extract", "1"
EVOLVE_ID, EVOLVE_VERSION = "features.evolve", "1"

_EXTRACT_SYSTEM = """
You study competitive-programming problems and catalogue the knowledge and techniques they
exercise. You answer with JSON only, in the exact shape you are asked for.
"""

_SHAPE_EXAMPLE = {
    "features": {
        "problem_domain": ["grid paths", "shortest paths"],
        "algorithmic_paradigm": ["graph search"],
        "algorithms": {"graph algorithms": {"shortest path": ["0-1 bfs"]}},
        "mathematics": [],
        "data_structures": ["deque"],
        "problem_solving_strategies": ["model states as graph vertices"],
        "coding_techniques": ["direction arrays", "sentinel distances"],
        "complexity_analysis": ["linear in the number of cells"],
        "optimization_techniques": [],
    },
    "summary": "Find the fewest wall breaks needed to cross a grid from corner to corner.",
}


def _category_lines() -> str:
    return "\n".join(f"- {name}: {meaning}" for name, meaning in CATEGORIES.items())


def extract(statement: str, solution: str | None) -> RenderedPrompt:
    solution_part = (
        f"\n### Reference solution\n```python\n{solution.strip()}\n```\n"
        if solution and solution.strip()
        else ""
    )
    user = f"""
Catalogue the features of the competitive-programming problem below{" and its reference solution" if solution_part else ""}.

Use exactly these top-level categories, and write [] for a category where nothing applies:
{_category_lines()}

Inside a category you may group features under short headings (nested objects whose innermost
values are lists of names). Name each feature with a short noun phrase a problem setter would
use ("lazy propagation", "meet in the middle", "inclusion-exclusion over divisors"): no sentences,
no identifiers from the code. List what the intended solution really relies on, not everything
that is loosely related.

Answer with a single JSON object of this shape (the example describes another problem):
{json.dumps(_SHAPE_EXAMPLE, indent=2)}

### Problem
{statement.strip()}
{solution_part}"""
    return render(EXTRACT_ID, EXTRACT_VERSION, _EXTRACT_SYSTEM, user)


_EVOLVE_SYSTEM = """
You curate a taxonomy of the ideas used in competitive programming. You extend it carefully:
every entry you add is a real, distinct idea that contest problems use. You answer with JSON only.
"""


def evolve(subtree: Any) -> RenderedPrompt:
    categories = "\n".join(f"- {name}: {CATEGORIES[name]}" for name in subtree if name in CATEGORIES)
    user = f"""
Here is a part of the taxonomy (nested JSON: objects are groups, lists hold feature names).
Grow it in two directions:

1. Depth: under existing features, add finer variants where a genuinely finer notion exists
   (for example "binary search" could gain "binary search on the answer" and "parallel binary search").
2. Breadth: beside existing entries, add at least two new siblings that belong to the same group
   and are not present yet.

Keep every existing entry with its spelling, add no duplicates under other spellings, and prefer
ideas that differ from the ones already listed. Keep the same top-level keys. Their meaning:
{categories}

Answer with a single JSON object {{"expanded": <the whole grown tree>}}.

### Taxonomy part
{json.dumps(subtree, indent=2, ensure_ascii=False)}
"""
    return render(EVOLVE_ID, EVOLVE_VERSION, _EVOLVE_SYSTEM, user)
