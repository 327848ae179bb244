"""Ruby (MRI). `ruby -c` checks the syntax in the box, so a syntax error is a CE."""

from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="ruby",
    name="Ruby",
    source_file="main.rb",
    compile=("{ruby}", "-c", "main.rb"),
    artifacts=("main.rb",),
    run=("{ruby}", "{prog}/main.rb"),
    tools={"ruby": ("ruby",)},
    version_cmd=("{ruby}", "--version"),
    mle_markers=(b"failed to allocate memory (NoMemoryError)",),
    self_test="$stdout.write($stdin.read)\n",
)
