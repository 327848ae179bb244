// TypeScript -> JavaScript for the judge: argv[1] the tsc script, argv[2] the source, argv[3]
// the output. Only syntax is checked (transpileModule); any diagnostic is a compile error.
const fs = require("fs");
const path = require("path");
const ts = require(path.join(path.dirname(fs.realpathSync(process.argv[1])), "..", "lib", "typescript.js"));
const [src, dst] = [process.argv[2], process.argv[3]];
const out = ts.transpileModule(fs.readFileSync(src, "utf8"), {
  fileName: src,
  reportDiagnostics: true,
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
});
const diagnostics = out.diagnostics || [];
for (const d of diagnostics) {
  const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
  const where = at ? `${src}(${at.line + 1},${at.character + 1})` : src;
  console.error(`${where}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}
if (diagnostics.length) process.exit(1);
fs.writeFileSync(dst, out.outputText);
