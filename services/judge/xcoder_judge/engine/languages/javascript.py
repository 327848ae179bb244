from xcoder_judge.engine.languages.base import Language

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
    self_test="process.stdin.pipe(process.stdout);\n",
)
