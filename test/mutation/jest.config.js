// The jest configuration StrykerJS runs (stryker.config.json): the suite's own, less the tests that
// only drive other programs (the cdktf/cdktn CLIs, Terraform, the built package, the benchmark).
// Mutants live in this jest process; a child process (the `reposmith` CLI a test spawns) runs the
// sources unmutated, so those tests neither cover nor kill a mutant and would only cost time.
const base = require("../../jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: "../..",
  // src/ too, so that --findRelatedTests (StrykerJS runs only the tests that import a mutated file) sees the sources.
  roots: ["<rootDir>/src", "<rootDir>/test"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/test/e2e/",
    "<rootDir>/test/bench/",
    "<rootDir>/test/package/",
    "<rootDir>/test/cli/bin-bundle",
    "\\.cli\\.test\\.ts$",
    // Kill -9 of the CLI and the secret scan of its outputs: every step a spawned CLI.
    "<rootDir>/test/reliability/crash\\.test\\.ts$",
    "<rootDir>/test/reliability/secrets\\.test\\.ts$",
  ],
};
