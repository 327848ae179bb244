from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="pypy3",
    name="Python 3 (PyPy)",
    source_file="solution.py",
    compile=(
        "{pypy}",
        "/box/pyrunner.py",
        "compile",
        "/box/solution.py",
        "/box/solution.pyc",
        "/prog/solution.py",
    ),
    artifacts=("solution.py", "solution.pyc", "pyrunner.py", "pyvalues.py"),
    run=("{pypy}", "{prog}/solution.py"),
    tools={"pypy": ("pypy3",)},
    version_cmd=("{pypy}", "-c", "import sys; print(sys.pypy_version_info, sys.version.split()[0])"),
    version_pattern=r"(\d+\.\d+\.\d+)\s*$",
    harness_tool="pypy",
    mle_markers=(b"MemoryError",),
    self_test="import sys\nsys.stdout.write(sys.stdin.read())\n",
)
