"""Perl 5. `perl -c` checks the syntax in the box (it also runs BEGIN blocks: still boxed)."""

from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="perl",
    name="Perl 5",
    source_file="main.pl",
    compile=("{perl}", "-c", "main.pl"),
    artifacts=("main.pl",),
    run=("{perl}", "{prog}/main.pl"),
    tools={"perl": ("perl",)},
    version_cmd=("{perl}", "-e", 'print "$^V\\n"'),
    version_pattern=r"v?(\d+(?:\.\d+)+)",
    mle_markers=(b"Out of memory",),
    self_test="binmode STDIN; binmode STDOUT; local $/; print <STDIN>;\n",
)
