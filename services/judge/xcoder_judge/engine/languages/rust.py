import os
import subprocess

from xcoder_judge.engine.languages.base import Language


def _real_rustc(tools: dict[str, str]) -> dict[str, str]:
    """`rustc` on PATH is often rustup's proxy; the box runs the toolchain's own binary."""
    out = subprocess.run([tools["rustc"], "--print", "sysroot"], capture_output=True, timeout=60, check=True)
    sysroot = os.path.realpath(out.stdout.decode().strip())
    return {**tools, "rustc": os.path.join(sysroot, "bin", "rustc")}


def _sysroot(tools: dict[str, str]) -> tuple[str, ...]:
    return (os.path.dirname(os.path.dirname(tools["rustc"])),)


LANGUAGE = Language(
    id="rust",
    name="Rust",
    source_file="main.rs",
    compile=("{rustc}", "-O", "--edition", "2021", "-o", "main", "main.rs"),
    artifacts=("main",),
    run=("{prog}/main",),
    tools={"rustc": ("rustc",)},
    version_cmd=("{rustc}", "--version"),
    compile_env={"TMPDIR": "/tmp"},
    resolve_tools=_real_rustc,
    extra_binds=_sysroot,
    self_test="use std::io::*;\nfn main(){ copy(&mut stdin(), &mut stdout()).unwrap(); }\n",
)
