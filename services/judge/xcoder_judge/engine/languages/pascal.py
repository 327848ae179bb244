"""Free Pascal. Compiled with `-n` (no /etc/fpc.cfg, which the box does not have) and the unit
directories of the compiler found, so the build does not depend on the host's configuration.
"""

import glob

from xcoder_judge.engine.languages.base import Language


def _units(tools: dict[str, str]) -> dict[str, str]:
    """The RTL unit directory of the installed compiler (…/fpc/<version>/units/<target>)."""
    found = sorted(
        glob.glob("/usr/lib/*/fpc/*/units/x86_64-linux") + glob.glob("/usr/lib/fpc/*/units/x86_64-linux")
    )
    if not found:
        raise OSError("no Free Pascal units directory")
    return {**tools, "fpc_units": found[-1]}


LANGUAGE = Language(
    id="pascal",
    name="Pascal (Free Pascal)",
    source_file="main.pas",
    compile=(
        "{fpc}",
        "-n",
        "-O2",
        "-XS",
        "-Sg",
        "-viwn",
        "-dONLINE_JUDGE",
        "-Fu{fpc_units}/*",
        "-FU/tmp",
        "-omain",
        "main.pas",
    ),
    artifacts=("main",),
    run=("{prog}/main",),
    tools={"fpc": ("fpc",)},
    version_cmd=("{fpc}", "-iV"),
    compile_env={"TMPDIR": "/tmp"},
    resolve_tools=_units,
    mle_markers=(b"Runtime error 203",),
    self_test=("var c: char;\nbegin\n  while not eof do begin read(c); write(c) end;\nend.\n"),
)
