from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="python3",
    name="Python 3 (CPython)",
    source_file="solution.py",
    # Compiled to a code object once per submission in the box (a SyntaxError is a CE), then
    # run from a warm forked interpreter; this argv is the fresh-exec equivalent.
    run=("{python}", "{prog}/solution.py"),
    tools={"python": ("python3",)},
    version_cmd=("{python}", "--version"),
    warm=True,
    harness_tool="python",
    mle_markers=(b"MemoryError",),
    self_test="import sys\nsys.stdout.write(sys.stdin.read())\n",
)

# Imported by the warm interpreter before it forks, so programs find them already loaded.
# Only modules that register no atexit handler or thread at import (a fresh interpreter
# would not have them either).
PRELOAD = (
    "abc", "array", "bisect", "collections", "copy", "dataclasses", "decimal", "enum", "fractions",
    "functools", "heapq", "io", "itertools", "json", "math", "operator", "random", "re", "statistics",
    "string", "struct", "typing",
)  # fmt: skip
