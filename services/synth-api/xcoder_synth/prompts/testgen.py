"""Prompts of test-input synthesis: hand-written inputs, a generator program, an input validator,
and a brute-force oracle (independent evidence for the vote on small inputs)."""

from __future__ import annotations

from xcoder_synth.prompts import RenderedPrompt, render
from xcoder_synth.tasks.models import TaskRecord

INPUTS_ID, INPUTS_VERSION = "testgen.inputs", "1"
GENERATOR_ID, GENERATOR_VERSION = "testgen.generator", "2"
VALIDATOR_ID, VALIDATOR_VERSION = "testgen.validator", "1"
ORACLE_ID, ORACLE_VERSION = "testgen.oracle", "1"

_TESTER_SYSTEM = """
You prepare test data for competitive-programming problems. You read the statement and its
constraints with care, and everything you produce respects them exactly.
"""


def _input_convention(task: TaskRecord) -> str:
    if task.io == "call":
        assert task.entry_point is not None
        names = ", ".join(p.name for p in task.entry_point.params)
        return (
            "A test input is the argument list of one call of "
            f"`{task.entry_point.name}`: a JSON array with one value per parameter, in the order ({names})."
        )
    return "A test input is the exact text given on standard input."


def inputs(task: TaskRecord, count: int) -> RenderedPrompt:
    if task.io == "call":
        shape = '{"inputs": [{"args": {"<param>": <JSON value>}, "purpose": "<what it tests>"}]}'
    else:
        shape = '{"inputs": [{"input": "<exact standard input, \\n between lines>", "purpose": "<what it tests>"}]}'
    user = f"""
Write {count} test inputs for the problem below. Mix small cases that can be checked by hand
with edge cases: smallest values of every bound, equal or repeated elements, already-sorted and
reverse-sorted data, extreme values, cases where a natural wrong idea fails. Every input must
satisfy the format and all constraints exactly. Do not write the expected outputs, and keep
each input small (a few hundred characters at most).

Answer with a single JSON object:
{shape}

### Problem
{task.statement}
"""
    return render(INPUTS_ID, INPUTS_VERSION, _TESTER_SYSTEM, user)


def generator(task: TaskRecord) -> RenderedPrompt:
    if task.io == "call":
        assert task.entry_point is not None
        names = ", ".join(p.name for p in task.entry_point.params)
        output = f"Print one line: a JSON array with the arguments ({names}) in this order (use json.dumps)."
    else:
        output = "Print the test input exactly in the input format of the statement."
    user = f"""
Write a Python 3 program that generates one test input for the problem below.

- It reads one line from standard input: `<seed> <mode>`, where seed is an integer and mode is
  `small`, `random` or `max`.
- `small`: a tiny valid input (the fewest elements and smallest values the constraints allow,
  up to about five elements), so that an exhaustive brute-force solution can check it.
- `random`: a random input whose sizes vary from small to moderate and whose values are spread
  over their whole allowed ranges.
- `max`: an input at the upper size limits of the constraints (the largest n, longest strings,
  extreme values), still random in its contents, to test efficiency.
- Use only `random.Random(seed)` for randomness, so the same line always gives the same input,
  and only the standard library.
- {output}
- Every input it prints must satisfy all constraints.

Give the complete program in a single ```python code block.

### Problem
{task.statement}
"""
    return render(GENERATOR_ID, GENERATOR_VERSION, _TESTER_SYSTEM, user)


def validator(task: TaskRecord) -> RenderedPrompt:
    user = f"""
Write a Python 3 program that checks whether a test input is valid for the problem below.

- {_input_convention(task)} The program reads the entire input from standard input.
- If the input satisfies the format and every constraint, exit with status 0 and print nothing.
- Otherwise print a short reason to standard error and exit with status 1 (`sys.exit(1)`).
- Be strict: check the number of lines and tokens, every value range, every structural
  condition stated (distinctness, sums, connectivity, …), and that nothing extra follows.
- Use only the standard library.

Give the complete program in a single ```python code block.

### Problem
{task.statement}
"""
    return render(VALIDATOR_ID, VALIDATOR_VERSION, _TESTER_SYSTEM, user)


_ORACLE_SYSTEM = """
You write reference solutions that are slow but certainly correct. You never optimise: you
enumerate every possibility the statement allows and check each one literally.
"""


def oracle(task: TaskRecord) -> RenderedPrompt:
    if task.io == "call":
        assert task.entry_point is not None
        answer = (
            f"Implement `class Solution` with the method `{task.entry_point.signature.rstrip(':')}`. "
            "The method is called directly: do not read input or print the result."
        )
    else:
        answer = "The program reads the input from standard input and prints the answer to standard output."
    user = f"""
Write a deliberately naive, obviously correct brute-force solution in Python 3 for the problem
below. It will only be run on very small inputs (a few elements), so ignore the time limits:

- enumerate every candidate answer, subset, pair, order or split the statement allows, and
  check each one directly against the definition in the statement;
- no clever algorithm, no data structure beyond lists and dictionaries, no shortcuts that
  need a proof;
- {answer}
- Use only the standard library.

Give the complete program in a single ```python code block.

### Problem
{task.statement}
"""
    return render(ORACLE_ID, ORACLE_VERSION, _ORACLE_SYSTEM, user)
