from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="c",
    name="C (GCC, gnu17)",
    source_file="main.c",
    compile=("{cc}", "-O2", "-std=gnu17", "-pipe", "-DONLINE_JUDGE", "-o", "main", "{sources}", "-lm"),
    compiles=("*.c",),
    artifacts=("main",),
    run=("{prog}/main",),
    tools={"cc": ("gcc", "cc")},
    version_cmd=("{cc}", "-dumpfullversion"),
    compile_env={"TMPDIR": "/tmp"},
    links=True,
    self_test=(
        "#include <stdio.h>\nint main(void){char b[4096];size_t n;"
        "while((n=fread(b,1,sizeof b,stdin))>0)fwrite(b,1,n,stdout);return 0;}\n"
    ),
)
