"""Lua 5.4. `luac -p` parses the program in the box, so a syntax error is a CE."""

from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="lua",
    name="Lua 5.4",
    source_file="main.lua",
    compile=("{luac}", "-p", "main.lua"),
    artifacts=("main.lua",),
    run=("{lua}", "{prog}/main.lua"),
    tools={"lua": ("lua5.4",), "luac": ("luac5.4",)},
    version_cmd=("{lua}", "-v"),
    mle_markers=(b"not enough memory",),
    self_test='io.write(io.read("a"))\n',
)
