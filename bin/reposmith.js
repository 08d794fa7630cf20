#!/usr/bin/env node
// From a checkout (src/ present) the TypeScript sources run through tsx, so what runs is always
// what is there; an installed package has only the compiled dist/ (built by `npm pack`).
const { existsSync } = require("node:fs");
const path = require("node:path");

const sources = path.join(__dirname, "..", "src", "cli", "main.ts");
if (existsSync(sources)) {
  require("tsx/cjs/api").register();
  require(sources).main(process.argv);
} else {
  require("../dist/cli/main.js").main(process.argv);
}
