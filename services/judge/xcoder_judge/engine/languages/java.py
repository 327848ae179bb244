import re

from xcoder_judge.engine.languages.base import Language, heap_mb

_PUBLIC_CLASS = re.compile(r"\bpublic\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)")
_MAIN_CLASS = re.compile(
    r"\bclass\s+([A-Za-z_$][\w$]*)[^{]*\{(?:(?!\bclass\b).)*?\bstatic\s+void\s+main\s*\(", re.S
)


_NOISE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def strip_noise(source: str) -> str:
    """The source with comments and string and character literals blanked."""
    return _NOISE.sub(" ", source)


def main_class(source: str) -> str:
    """The class javac must find in a file of the same name: the public one, else the one with main.

    Comments and string literals are blanked first so `// public class name` does not count.
    """
    code = strip_noise(source)
    m = _PUBLIC_CLASS.search(code) or _MAIN_CLASS.search(code)
    return m.group(1) if m else "Main"


# HotSpot refuses a thread stack over 1 GiB (-Xss2048m: "exceeds the maximum representable size"),
# and the stack defaults to the memory limit: without the cap every JVM program under a memory
# limit over 1 GiB would fail to start (RE).
JVM_MAX_STACK_MB = 1024


def jvm_knobs(memory_mb: int, stack_mb: int) -> dict[str, object]:
    """`{heap_mb}` and `{jvm_stack_mb}` of JVM_RUN_FLAGS for a test's limits."""
    return {"heap_mb": heap_mb(memory_mb), "jvm_stack_mb": min(stack_mb, JVM_MAX_STACK_MB)}


# How every JVM language runs: a heap below the memory limit (so running out of heap is the JVM's
# own OutOfMemoryError, reported as MLE), the test's stack, one GC thread, no perf-data file.
JVM_RUN_FLAGS = (
    "-Xmx{heap_mb}m",
    "-Xss{jvm_stack_mb}m",
    "-XX:+UseSerialGC",
    "-Xshare:auto",
    "-XX:-UsePerfData",
)

LANGUAGE = Language(
    id="java",
    name="Java (OpenJDK)",
    source_file="Main.java",
    source_name=lambda src: main_class(src) + ".java",
    compile=("{javac}", "-J-Xmx768m", "-J-XX:+UseSerialGC", "-encoding", "UTF-8", "-d", ".", "{sources}"),
    artifacts=("*.class",),
    run=("{java}", *JVM_RUN_FLAGS, "-cp", "{prog}", "{main_class}"),
    compiles=("*.java",),
    entry_class=main_class,
    run_knobs=jvm_knobs,
    tools={"java": ("java",), "javac": ("javac",)},
    version_cmd=("{javac}", "-version"),
    mle_markers=(b"java.lang.OutOfMemoryError",),
    self_test=(
        "public class Main { public static void main(String[] a) throws Exception {"
        " System.in.transferTo(System.out); System.out.flush(); } }\n"
    ),
)
