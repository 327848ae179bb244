"""Prompts of task synthesis: feature selection (stage 1) and writing in one of three styles (stage 2)."""

from __future__ import annotations

import json
from typing import Any

from xcoder_synth.prompts import RenderedPrompt, render

SELECT_ID, SELECT_VERSION = "tasks.select", "1"
WRITE_ID, WRITE_VERSION = "tasks.write", "1"

_SETTER_SYSTEM = """
You are an experienced competitive-programming problem setter. Your problems are original,
precise and fair: every statement is unambiguous, every constraint is stated, and every sample
is correct. You answer with JSON only, in the exact shape you are asked for.
"""


def select(features: Any, *, min_selected: int, max_selected: int) -> RenderedPrompt:
    user = f"""
Below are competitive-programming features (nested JSON: objects are groups, lists hold feature
names). Plan ONE original contest problem from them.

1. For each feature, consider the role it could play in a problem: how the input is modelled,
   what is optimised or counted, which structure holds the state, which edge cases it creates.
2. Choose the features that combine into one coherent, demanding problem, between {min_selected}
   and {max_selected} of them. Prefer using many, but only features that are essential to the
   intended solution; drop any that would be decoration or pull towards a different problem.
3. Integration strategy: explain how the chosen features depend on each other in the intended
   solution (which one enables, constrains or speeds up which).
4. Scenario: state the concrete situation and the exact computational question, including the
   input sizes the intended solution must handle. Be exact rather than decorative.

Answer with a single JSON object:
{{"selected": [{{"path": ["<top-level key>", "...", "<feature>"], "role": "<its role in the problem>"}}],
 "integration_strategy": "<paragraph>",
 "scenario": "<paragraph>"}}
Each path lists the names from a top-level key down to a feature, spelled exactly as in the tree.

### Features
{json.dumps(features, indent=2, ensure_ascii=False)}
"""
    return render(SELECT_ID, SELECT_VERSION, _SETTER_SYSTEM, user)


def _plan(features: list[tuple[list[str], str]], strategy: str, scenario: str) -> str:
    lines = "\n".join(f"- {' > '.join(path)}: {role}" for path, role in features)
    return f"""### Plan
Selected features and their roles:
{lines}

Integration strategy: {strategy}

Scenario: {scenario}
"""


_COMMON_RULES = """
- Every selected feature must be needed to solve the problem within the limits, yet the text
  must never name or hint at an algorithm, data structure or technique.
- Give every bound in the constraints, tight enough to rule out brute force where the plan
  needs an efficient method.
- The correct output for every valid input must be unique: no "print any valid answer".
- Work out every example by hand and check it against the statement before writing it.
"""

_STDIO_SHAPE = """
Answer with a single JSON object (use \\n for line breaks inside strings):
{"title": "<title>",
 "legend": "<the statement body>",
 "input_format": "<what standard input contains, line by line>",
 "output_format": "<what to print>",
 "constraints": ["<one bound per item, e.g. 1 <= n <= 2*10^5>"],
 "examples": [{"input": "<exact standard input>", "output": "<exact standard output>", "explanation": "<why>"}],
 "answer": "exact" or "real",
 "tolerance": null or the accepted absolute/relative error for real answers (e.g. 1e-6),
 "unique_answer": true}
"""

_STYLE_RULES = {
    "codeforces": """
Write a Codeforces-style problem: a short story or setting motivates the task, and the rest is
precise. The program reads standard input and writes standard output. Give at least two
distinct, non-trivial examples, each with an explanation of its answer.
""",
    "atcoder": """
Write an AtCoder-style problem: minimal and formal, at most one sentence of context, then the
exact task. The program reads standard input and writes standard output. Give at least two
samples; explanations only where they help.
""",
    "leetcode": """
Write a LeetCode-style problem: a neutral description with one well-defined goal, solved by
implementing one method of `class Solution`. Name the method in camelCase and give Python types
(int, str, bool, List[int], List[List[int]], List[str] …). The method must return exact values
(integers, strings, booleans or lists of them), never floating-point numbers. Give at least two
examples covering different situations.
""",
}

_CALL_SHAPE = """
Answer with a single JSON object:
{"title": "<noun-phrase title without technical terms>",
 "description": "<the statement body>",
 "function": {"name": "<camelCaseName>", "params": [{"name": "<param>", "type": "<Python type>"}], "returns": "<Python type>"},
 "constraints": ["<one bound per item, using the parameter names>"],
 "examples": [{"args": {"<param>": <JSON value>}, "output": <JSON value>, "explanation": "<why>"}],
 "unique_answer": true}
"""


_MULTI_ANSWER_RULE = """- If some inputs have several correct outputs ("print any valid answer"), set
  "unique_answer": false and write a "checker": a Python 3 program run as
  `checker <input file> <output file> <answer file>`. It reads the input, the contestant's
  output and the jury's answer (one correct output); it exits 0 if the contestant's output is a
  correct answer for the input (for optimisation tasks: valid and as good as the jury's), 1 if it
  is wrong or malformed, and 3 if the jury's answer itself is invalid. Otherwise set
  "unique_answer": true and "checker": null."""

_CHECKER_FIELD = """ "checker": null or "<the checker program>","""


def write(
    style: str,
    features: list[tuple[list[str], str]],
    strategy: str,
    scenario: str,
    *,
    multi_answer: bool = False,
) -> RenderedPrompt:
    """The writing prompt; ``multi_answer`` (stdio styles) allows several valid outputs with a
    checker program (its own prompt id ``tasks.write.<style>.checker``)."""
    if style not in _STYLE_RULES:
        raise ValueError(f"unknown style {style!r}")
    shape = _CALL_SHAPE if style == "leetcode" else _STDIO_SHAPE
    rules = _COMMON_RULES
    prompt_id = f"{WRITE_ID}.{style}"
    if multi_answer and style != "leetcode":
        rules = rules.replace(
            '- The correct output for every valid input must be unique: no "print any valid answer".',
            _MULTI_ANSWER_RULE,
        )
        shape = shape.replace(
            ' "unique_answer": true}', _CHECKER_FIELD + '\n "unique_answer": true or false}'
        )
        prompt_id += ".checker"
    user = f"""{_STYLE_RULES[style].strip()}

Rules:{rules}
{shape.strip()}

{_plan(features, strategy, scenario)}"""
    return render(prompt_id, WRITE_VERSION, _SETTER_SYSTEM, user)
