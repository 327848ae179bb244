"""PHP (CLI). Run with `-n`: the box has no /etc/php, and a php.ini must not change verdicts.

`memory_limit` follows the test's limit, so running out of heap is PHP's own fatal error
(reported as MLE) before the kernel kills the process; errors go to stderr, not the answer.
"""

from xcoder_judge.engine.languages.base import Language, heap_knobs

_INI = ("-n", "-d", "display_errors=stderr", "-d", "log_errors=0")

LANGUAGE = Language(
    id="php",
    name="PHP",
    source_file="main.php",
    compile=("{php}", *_INI, "-l", "main.php"),
    artifacts=("main.php",),
    run=("{php}", *_INI, "-d", "memory_limit={heap_mb}M", "{prog}/main.php"),
    tools={"php": ("php",)},
    version_cmd=("{php}", "-n", "--version"),
    mle_markers=(b"Allowed memory size of",),
    run_knobs=heap_knobs,
    self_test="<?php\nfwrite(STDOUT, stream_get_contents(STDIN));\n",
)
