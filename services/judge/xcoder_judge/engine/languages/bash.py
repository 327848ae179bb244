"""Bash scripts. `bash -n` checks the syntax in the box; the box's PATH has coreutils."""

from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="bash",
    name="Bash",
    source_file="main.sh",
    compile=("{bash}", "-n", "main.sh"),
    artifacts=("main.sh",),
    run=("{bash}", "{prog}/main.sh"),
    tools={"bash": ("bash",)},
    version_cmd=("{bash}", "--version"),
    mle_markers=(b"xmalloc: cannot allocate",),
    self_test="exec cat\n",
)
