#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx (esbuild; no install scripts, no build step).
require("tsx/cjs/api").register();
require("../src/cli/main.ts").main(process.argv);
