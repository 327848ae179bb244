"""C++ in two standards; both share a precompiled <bits/stdc++.h> when the cache holds one."""

from xcoder_judge.engine.languages.base import Language

_SELF_TEST = "#include <bits/stdc++.h>\nint main(){std::cout<<std::cin.rdbuf();return 0;}\n"


def _cpp(std: str, lang_id: str) -> Language:
    return Language(
        id=lang_id,
        name=f"C++ (GCC, {std})",
        source_file="main.cpp",
        compile=(
            "{cxx}",
            "-O2",
            f"-std={std}",
            "-pipe",
            "-DONLINE_JUDGE",
            "-I/pch/" + lang_id,
            "-o",
            "main",
            "{sources}",
        ),
        artifacts=("main",),
        run=("{prog}/main",),
        tools={"cxx": ("g++", "c++")},
        version_cmd=("{cxx}", "-dumpfullversion"),
        compile_env={"TMPDIR": "/tmp"},
        links=True,
        pch_header="bits/stdc++.h",
        mle_markers=(b"std::bad_alloc",),
        self_test=_SELF_TEST,
        compiles=("*.cpp", "*.cc", "*.cxx"),
    )


CPP17 = _cpp("gnu++17", "cpp17")
CPP20 = _cpp("gnu++20", "cpp20")
