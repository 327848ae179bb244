from xcoder_judge.engine.languages.base import Language, heap_mb


def node_knobs(memory_mb: int, stack_mb: int) -> dict[str, object]:
    """V8's heap below the memory limit and its stack (in KiB) below the test's stack limit:
    at least V8's default 984 KiB, at most 1 GiB, with 2 MiB of the stack left for V8 itself."""
    return {"heap_mb": heap_mb(memory_mb), "node_stack_kb": max(984, min(stack_mb * 1024 - 2048, 1 << 20))}


LANGUAGE = Language(
    id="javascript",
    name="JavaScript (Node.js)",
    source_file="solution.js",
    compile=("{node}", "--check", "solution.js"),
    artifacts=("solution.js",),
    run=("{node}", "--max-old-space-size={heap_mb}", "--stack-size={node_stack_kb}", "{prog}/solution.js"),
    tools={"node": ("node", "nodejs")},
    version_cmd=("{node}", "--version"),
    mle_markers=(b"JavaScript heap out of memory",),
    run_knobs=node_knobs,
    self_test="process.stdin.pipe(process.stdout);\n",
)
