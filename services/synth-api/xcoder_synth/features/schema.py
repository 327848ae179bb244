"""The fixed competitive-programming feature schema every extraction is mapped into."""

from __future__ import annotations

import re

# Top-level categories, in the order prompts list them, with the one-line meaning the model sees.
CATEGORIES: dict[str, str] = {
    "problem_domain": "what the task is about: strings, graphs, grids, games, scheduling, geometry …",
    "algorithmic_paradigm": "the overall method: greedy, divide and conquer, dynamic programming, brute force …",
    "algorithms": "named algorithms, grouped (graph, string, search, sorting, number-theoretic, geometric …)",
    "mathematics": "mathematical knowledge: number theory, combinatorics, probability, algebra, game theory …",
    "data_structures": "structures the solution keeps: heaps, segment trees, disjoint sets, tries, deques …",
    "problem_solving_strategies": "reasoning moves: case analysis, reformulation, invariants, working backwards …",
    "coding_techniques": "implementation devices: prefix sums, two pointers, bitmasks, coordinate compression …",
    "complexity_analysis": "the complexity targets and arguments the constraints force",
    "optimization_techniques": "how a slow idea is made fast: pruning, memoisation, amortisation, precomputation …",
}

# Names models use for a category, mapped to ours; None drops the category (not a feature).
CATEGORY_ALIASES: dict[str, str | None] = {
    "domain": "problem_domain",
    "problem_domains": "problem_domain",
    "paradigm": "algorithmic_paradigm",
    "algorithmic_paradigms": "algorithmic_paradigm",
    "algorithm": "algorithms",
    "math": "mathematics",
    "maths": "mathematics",
    "mathematical_concepts": "mathematics",
    "data_structure": "data_structures",
    "strategies": "problem_solving_strategies",
    "problem_solving_strategy": "problem_solving_strategies",
    "techniques": "coding_techniques",
    "coding_technique": "coding_techniques",
    "implementation_techniques": "coding_techniques",
    "complexity": "complexity_analysis",
    "optimizations": "optimization_techniques",
    "optimisation_techniques": "optimization_techniques",
    "optimization": "optimization_techniques",
    "programming_language": None,
    "programming_languages": None,
    "language": None,
    "summary": None,
}

_SEP = re.compile(r"[\s\-_/]+")
_EDGE_PUNCT = " \t\n.,;:!?\"'`"
# Words whose trailing "s" is not a plural.
_NOT_PLURAL = frozenset(
    {
        "series",
        "species",
        "bfs",
        "dfs",
        "gcs",
        "lcs",
        "lis",
        "mis",
        "xs",
        "bus",
        "gas",
        "class",
        "less",
        "process",
        "analysis",
        "basis",
        "axis",
        "hypothesis",
        "synthesis",
        "parenthesis",
        "thesis",
        "ones",
        "news",
        "physics",
    }
)


def category_key(name: str) -> str | None:
    """Our category for a name a model used; None when it is not a feature category."""
    key = _SEP.sub("_", name.strip().lower()).strip("_")
    if key in CATEGORIES:
        return key
    if key in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[key]
    raise KeyError(key)


def _singular(word: str) -> str:
    if word in _NOT_PLURAL or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ics", "'s")):
        return word[:-1]
    return word


def normalise_name(name: str) -> str:
    """One spelling per feature: lower case, single spaces, no edge punctuation, singular last word.

    "Segment_Trees" and "segment tree" merge; "Dijkstra's algorithm" stays distinct from
    "Dijkstra" on purpose (the model chose different granularity).
    """
    text = _SEP.sub(" ", name.strip().lower()).strip(_EDGE_PUNCT)
    text = re.sub(r"\s+", " ", text)
    if not text:
        return ""
    words = text.split(" ")
    words[-1] = _singular(words[-1])
    return " ".join(words)
