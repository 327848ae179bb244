import re

from xcoder_judge.engine.languages.base import Language

_PUBLIC_CLASS = re.compile(r"\bpublic\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)")
_MAIN_CLASS = re.compile(
    r"\bclass\s+([A-Za-z_$][\w$]*)[^{]*\{(?:(?!\bclass\b).)*?\bstatic\s+void\s+main\s*\(", re.S
)


_NOISE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def main_class(source: str) -> str:
    """The class javac must find in a file of the same name: the public one, else the one with main.

    Comments and string literals are blanked first so `// public class name` does not count.
    """
    code = _NOISE.sub(" ", source)
    m = _PUBLIC_CLASS.search(code) or _MAIN_CLASS.search(code)
    return m.group(1) if m else "Main"


LANGUAGE = Language(
    id="java",
    name="Java (OpenJDK)",
    source_file="Main.java",
    source_name=lambda src: main_class(src) + ".java",
    compile=("{javac}", "-J-Xmx768m", "-J-XX:+UseSerialGC", "-encoding", "UTF-8", "-d", ".", "{source}"),
    artifacts=("*.class",),
    run=(
        "{java}",
        "-Xmx{heap_mb}m",
        "-Xss{stack_mb}m",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-XX:-UsePerfData",
        "-cp",
        "{prog}",
        "{main_class}",
    ),
    tools={"java": ("java",), "javac": ("javac",)},
    version_cmd=("{javac}", "-version"),
    mle_markers=(b"java.lang.OutOfMemoryError",),
    self_test=(
        "public class Main { public static void main(String[] a) throws Exception {"
        " System.in.transferTo(System.out); System.out.flush(); } }\n"
    ),
)
