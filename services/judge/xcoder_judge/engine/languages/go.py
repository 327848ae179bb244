from xcoder_judge.engine.languages.base import Language

LANGUAGE = Language(
    id="go",
    name="Go",
    source_file="main.go",
    compile=("{go}", "build", "-o", "main", "main.go"),
    artifacts=("main",),
    run=("{prog}/main",),
    tools={"go": ("go",)},
    version_cmd=("{go}", "version"),
    compile_env={
        "GOCACHE": "/tmp/go-cache",
        "GOPATH": "/tmp/go",
        "GO111MODULE": "off",
        "CGO_ENABLED": "0",
        "GOFLAGS": "-buildvcs=false",
        "GOTOOLCHAIN": "local",
    },
    compile_processes=128,
    self_test='package main\nimport ("io";"os")\nfunc main(){io.Copy(os.Stdout, os.Stdin)}\n',
)
