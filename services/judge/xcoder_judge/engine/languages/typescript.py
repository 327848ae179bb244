"""TypeScript, transpiled to JavaScript by the TypeScript compiler's API and run on Node.

Types are not checked, as Deno, Bun and ts-node's transpile-only mode run TypeScript: Debian has
no Node type definitions, without which every `require("fs")` would fail to type-check. A syntax
error is a CE; the program then runs exactly as the JavaScript language does.
"""

from pathlib import Path

from xcoder_judge.engine.languages.base import Language
from xcoder_judge.engine.languages.javascript import LANGUAGE as JAVASCRIPT
from xcoder_judge.engine.languages.javascript import node_knobs

# Runs in the box as `node -e <this> <tsc> main.ts`: argv[1] is the tsc script of the found
# TypeScript (its library is ../lib/typescript.js). Braces are doubled for the argv template.
TRANSPILE = Path(__file__).with_name("ts_transpile.js").read_text().replace("{", "{{").replace("}", "}}")

LANGUAGE = Language(
    id="typescript",
    name="TypeScript (Node.js, transpiled)",
    source_file="main.ts",
    compile=("{node}", "-e", TRANSPILE, "{tsc}", "main.ts", "main.js"),
    artifacts=("main.js",),
    run=(*JAVASCRIPT.run[:-1], "{prog}/main.js"),
    tools={"node": ("node", "nodejs"), "tsc": ("tsc",)},
    version_cmd=("{node}", "{tsc}", "--version"),
    mle_markers=JAVASCRIPT.mle_markers,
    run_knobs=node_knobs,
    self_test="const data: Buffer = require('fs').readFileSync(0);\nprocess.stdout.write(data);\n",
)
