"""The solving prompt. Its text is also the SFT query and the RL prompt, so a training row's
prompt is exactly the prompt its response answered."""

from __future__ import annotations

from xcoder_synth.llm.models import ChatMessage
from xcoder_synth.prompts import RenderedPrompt
from xcoder_synth.tasks.models import TaskRecord

SOLVE_ID, SOLVE_VERSION = "solutions.solve", "1"

_STDIO_INSTRUCTION = """
Solve this problem in Python 3. Your program reads the input from standard input and writes
the answer to standard output. First reason about an algorithm that fits the constraints and
check it against the examples; then give the complete program in a single ```python code block
at the end of your answer.
"""

_CALL_INSTRUCTION = """
Solve this problem in Python 3 by implementing `class Solution` with the method
`{signature}`. The method is called directly: do not read input or print the result. First
reason about an algorithm that fits the constraints and check it against the examples; then
give the complete class (with any imports it needs) in a single ```python code block at the
end of your answer.
"""


_OTHER_STDIO_INSTRUCTION = """
Solve this problem in {name}. Your program reads the input from standard input and writes
the answer to standard output. First reason about an algorithm that fits the constraints and
check it against the examples; then give the complete program in a single ```{fence} code block
at the end of your answer.
"""

LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "cpp17": ("C++17", "cpp"),
    "cpp20": ("C++20", "cpp"),
    "c": ("C (C17)", "c"),
    "java": ("Java 17 (a public class named Main)", "java"),
    "go": ("Go", "go"),
    "rust": ("Rust", "rust"),
    "javascript": ("JavaScript (Node.js)", "javascript"),
    "pypy3": ("Python 3 (run with PyPy)", "python"),
}
"""Judge id → (name in the prompt, fence tag asked for)."""


def solve_query(task: TaskRecord, language: str = "python3") -> str:
    """The user message a solver sees: the statement and how to answer (in ``language``)."""
    if task.io == "call":
        assert task.entry_point is not None
        instruction = _CALL_INSTRUCTION.format(signature=task.entry_point.signature.rstrip(":"))
    elif language == "python3":
        instruction = _STDIO_INSTRUCTION
    else:
        name, fence = LANGUAGE_NAMES.get(language, (language, language))
        instruction = _OTHER_STDIO_INSTRUCTION.format(name=name, fence=fence)
    return f"{task.statement.rstrip()}\n\n{instruction.strip()}\n"


def solve(task: TaskRecord, language: str = "python3") -> RenderedPrompt:
    return RenderedPrompt(
        id=SOLVE_ID,
        version=SOLVE_VERSION,
        messages=[ChatMessage(role="user", content=solve_query(task, language))],
    )
