"""Scala 2 on the JVM: scalac writes classes, the JVM runs the object that has `main`.

The compiler is a JVM with a capped heap, as javac is; runs use the Java flags (JVM_RUN_FLAGS)
with the Scala library on the class path.
"""

import os
import re

from xcoder_judge.engine.languages.base import Language
from xcoder_judge.engine.languages.java import JVM_RUN_FLAGS, jvm_knobs, strip_noise

_OBJECT = re.compile(r"\bobject\s+([A-Za-z_$][\w$]*)")
_APP = re.compile(r"\bobject\s+([A-Za-z_$][\w$]*)\s+extends\s+App\b")
_MAIN = re.compile(r"\bobject\s+([A-Za-z_$][\w$]*)[^{]*\{(?:(?!\bobject\b).)*?\bdef\s+main\s*\(", re.S)


def main_object(source: str) -> str:
    """The object the JVM starts: the one defining `main`, else one extending App, else Main."""
    code = strip_noise(source)
    m = _MAIN.search(code) or _APP.search(code) or _OBJECT.search(code)
    return m.group(1) if m else "Main"


def _library(tools: dict[str, str]) -> dict[str, str]:
    """scala-library.jar of the scalac found (Debian: /usr/share/scala-2.11/lib)."""
    home = os.path.dirname(os.path.dirname(os.path.realpath(tools["scalac"])))
    lib = os.path.join(home, "lib", "scala-library.jar")
    if not os.path.isfile(lib):
        raise OSError(f"no {lib}")
    return {**tools, "scala_library": lib}


LANGUAGE = Language(
    id="scala",
    name="Scala 2 (JVM)",
    source_file="main.scala",
    # C1 only (TieredStopAtLevel=1): a short-lived compiler spends half its CPU in C2 otherwise.
    compile=(
        "{scalac}",
        "-J-Xmx768m",
        "-J-XX:+UseSerialGC",
        "-J-XX:TieredStopAtLevel=1",
        "-nowarn",
        "-d",
        ".",
        "{sources}",
    ),
    artifacts=("*.class",),
    run=("{java}", *JVM_RUN_FLAGS, "-cp", "{prog}:{scala_library}", "{main_class}"),
    tools={"java": ("java",), "scalac": ("scalac",)},
    version_cmd=("{scalac}", "-version"),
    compile_env={"JAVA_OPTS": "-Xms32m"},
    compile_processes=128,
    resolve_tools=_library,
    compiles=("*.scala",),
    entry_class=main_object,
    run_knobs=jvm_knobs,
    mle_markers=(b"java.lang.OutOfMemoryError",),
    self_test=(
        "object Main { def main(args: Array[String]): Unit = {"
        " val b = new Array[Byte](65536); var n = System.in.read(b);"
        " while (n >= 0) { System.out.write(b, 0, n); n = System.in.read(b) }; System.out.flush() } }\n"
    ),
)
