"""The language registry: ids of the wire table, detection on this node, Java class names."""

from __future__ import annotations

from xcoder_judge.engine.languages import KNOWN_LANGUAGES, LANGUAGES, detect
from xcoder_judge.engine.languages.java import main_class
from xcoder_judge.engine.languages.scala import main_object
from xcoder_wire.languages import LANGUAGE_IDS, resolve_alias


def test_every_language_has_a_unique_id_and_aliases_resolve_to_it() -> None:
    ids = [lang.id for lang in LANGUAGES]
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "python3", "pypy3", "c", "cpp17", "cpp20", "java", "go", "rust", "javascript",
        "typescript", "kotlin", "scala", "csharp", "haskell", "pascal", "ruby", "php", "perl", "lua", "bash",
    }  # fmt: skip
    assert set(ids) <= LANGUAGE_IDS  # every engine language is named by the wire contract
    for lang in LANGUAGES:
        for name in (lang.id, *lang.aliases):
            assert resolve_alias(name) == lang.id
            assert resolve_alias(name.upper()) == lang.id
    assert resolve_alias("cpp") == "cpp17"
    assert resolve_alias("node") == "javascript"
    assert resolve_alias("cobol") is None


def test_every_language_has_an_echo_self_test_and_a_run_command() -> None:
    for lang in KNOWN_LANGUAGES.values():
        assert lang.self_test, lang.id
        assert lang.run, lang.id
        assert lang.compiled == (lang.compile is not None)


def test_detection_finds_this_machines_toolchains_with_versions() -> None:
    found = detect()
    # setup.sh installs every toolchain; the suite relies on all of them.
    assert set(found) == set(KNOWN_LANGUAGES)
    for tc in found.values():
        assert tc.version and tc.version[0].isdigit(), (tc.language.id, tc.version)
        for path in tc.tools.values():
            assert path.startswith("/"), path


def test_allow_list_limits_detection() -> None:
    assert set(detect(frozenset({"c", "javascript"}))) == {"c", "javascript"}


def test_java_main_class_is_the_public_class_else_the_one_with_main() -> None:
    assert main_class("public class Solution { public static void main(String[] a) {} }") == "Solution"
    assert main_class("class Helper {}\nclass Prog { public static void main(String[] a) {} }") == "Prog"
    assert main_class("// public class Nope\n/* public class Nor */ public final class Yes {}") == "Yes"
    assert main_class('class A { String s = "public class X"; public static void main(String[] a){} }') == "A"
    assert main_class("interface I {}") == "Main"


def test_scala_entry_is_the_object_with_main_else_an_app() -> None:
    assert (
        main_object("object Helper { val x = 1 }\nobject Prog { def main(a: Array[String]) = () }") == "Prog"
    )
    assert main_object("// object Nope\nobject Solve extends App { println(1) }") == "Solve"
    assert main_object("class A") == "Main"


def test_sources_expand_to_the_main_file_and_the_files_the_compiler_takes() -> None:
    java = KNOWN_LANGUAGES["java"]
    assert java.compiled_with({"B.java": "", "A.java": "", "notes.txt": ""}) == ["A.java", "B.java"]
    cpp = KNOWN_LANGUAGES["cpp17"]
    assert cpp.compiled_with(["geometry.h", "geometry.cpp", "util.cc"]) == ["geometry.cpp", "util.cc"]
    tc = detect(frozenset({"cpp17"}))["cpp17"]
    argv = tc.fill(cpp.compile, sources=("main.cpp", "geometry.cpp"))
    assert argv[-2:] == ["main.cpp", "geometry.cpp"] and "{sources}" not in argv
    assert tc.fill(("{cxx}", "-c"), sources=("x.cpp",)) == [tc.tools["cxx"], "-c"]


def test_a_file_may_not_take_a_name_the_build_produces() -> None:
    assert KNOWN_LANGUAGES["java"].reserved("Helper.class")
    assert KNOWN_LANGUAGES["cpp17"].reserved("main")
    assert KNOWN_LANGUAGES["kotlin"].reserved("main.jar")
    assert not KNOWN_LANGUAGES["cpp17"].reserved("main.h")
    assert not KNOWN_LANGUAGES["ruby"].reserved("helper.rb")  # its own source is checked by name


def test_interpreted_languages_carry_their_extra_files_and_compiled_ones_do_not() -> None:
    runs_from_source = {lang.id for lang in LANGUAGES if lang.runs_from_source}
    assert {"python3", "pypy3", "javascript", "ruby", "php", "perl", "lua", "bash"} == runs_from_source


def test_a_compile_command_that_takes_several_sources_says_which_files_are_sources() -> None:
    for lang in LANGUAGES:
        takes_sources = "{sources}" in (lang.compile or ())
        assert takes_sources == bool(lang.compiles), lang.id
        if takes_sources:
            assert lang.compiled_with([lang.source_file]) == [lang.source_file], lang.id


def _toolchain(lang):
    from xcoder_judge.engine.languages import Toolchain

    return Toolchain(lang, {k: f"/usr/bin/{k}" for k in lang.tools} | {"scala_library": "/lib/s.jar"}, "1")


def test_every_run_command_fills_from_its_own_languages_values() -> None:
    for lang in LANGUAGES:
        argv = _toolchain(lang).run_argv("/aux", 256, 64, {"main_class": "Prog"})
        assert argv and not any("{" in part for part in argv), (lang.id, argv)


def test_run_knobs_are_sized_from_the_limits() -> None:
    java = _toolchain(KNOWN_LANGUAGES["java"])
    assert "-Xmx172m" in java.run_argv("/prog", 256, 64, {})  # 0.8 * 256 - 32
    assert "-Xss1024m" in java.run_argv("/prog", 4096, 4096, {})  # HotSpot's 1 GiB stack cap
    assert java.run_argv("/prog", 256, 64, {})[-1] == "Main"  # no class found: Main
    assert java.run_argv("/prog", 256, 64, {"main_class": "Prog"})[-1] == "Prog"
    node = _toolchain(KNOWN_LANGUAGES["javascript"])
    assert "--stack-size=63488" in node.run_argv("/prog", 256, 64, {})  # 64 MiB less V8's 2 MiB
    assert "--stack-size=984" in node.run_argv("/prog", 256, 1, {})  # never below V8's default
    assert "memory_limit=32M" in _toolchain(KNOWN_LANGUAGES["php"]).run_argv("/prog", 16, 16, {})


def test_the_language_says_what_a_build_takes_keeps_and_reserves() -> None:
    cpp, py, java = KNOWN_LANGUAGES["cpp17"], KNOWN_LANGUAGES["python3"], KNOWN_LANGUAGES["java"]
    assert any(p.startswith("-I/pch") for p in cpp.compile_template(True, ()))
    assert not any(p.startswith("-I/pch") for p in cpp.compile_template(False, ("-fuse-ld=mold",)))
    assert cpp.compile_template(False, ("-fuse-ld=mold",))[-1] == "-fuse-ld=mold"
    assert "-fuse-ld=mold" not in java.compile_template(False, ("-fuse-ld=mold",))  # javac links nothing
    assert py.collected("solution.py", {"util.py": ""}) == [
        "solution.py", "solution.pyc", "pyrunner.py", "pyvalues.py", "util.py",
    ]  # fmt: skip
    assert cpp.collected("main.cpp", {"util.h": ""}) == ["main"]
    assert "pyrunner.py" in py.taken_file_name("", {"pyrunner.py": ""})
    assert py.taken_file_name("", {"util.py": ""}) == ""
    assert "Main.java" in java.taken_file_name("public class Main {}", {"Main.java": ""})
    assert java.artifact_meta("public class Prog {}") == {"main_class": "Prog"}
    assert cpp.artifact_meta("int main(){}") == {}
    tc = _toolchain(KNOWN_LANGUAGES["pypy3"])
    assert tc.harness_argv("/prog", "call") == [
        "/usr/bin/pypy",
        "/prog/pyrunner.py",
        "call",
        "/prog/solution.py",
    ]
