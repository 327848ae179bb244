"""C# on Mono: mcs compiles to a .exe assembly that the mono runtime runs.

Mono reads its configuration (assembly maps, machine.config) from /etc/mono, which the box
does not have by default; it is bound in read-only for this language only.
"""

import os

from xcoder_judge.engine.languages.base import Language

MONO_ETC = "/etc/mono"


def _mono_config(tools: dict[str, str]) -> tuple[str, ...]:
    return (MONO_ETC,) if os.path.isdir(MONO_ETC) else ()


LANGUAGE = Language(
    id="csharp",
    name="C# (Mono)",
    source_file="main.cs",
    compile=("{mcs}", "-optimize+", "-d:ONLINE_JUDGE", "-out:main.exe", "{sources}"),
    artifacts=("main.exe",),
    run=("{mono}", "{prog}/main.exe"),
    tools={"mono": ("mono",), "mcs": ("mcs",)},
    version_cmd=("{mcs}", "--version"),
    compile_env={"MONO_ENV_OPTIONS": "", "TMPDIR": "/tmp"},
    compile_processes=128,
    extra_binds=_mono_config,
    compiles=("*.cs",),
    mle_markers=(b"System.OutOfMemoryException",),
    self_test=(
        "using System;\nclass Program { static void Main() {"
        " var i = Console.OpenStandardInput(); var o = Console.OpenStandardOutput();"
        " i.CopyTo(o); o.Flush(); } }\n"
    ),
)
