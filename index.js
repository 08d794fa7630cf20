// The package's entry ("reposmith", through package.json's exports map). The installed package
// has no src/ and loads its compiled dist/. A checkout has src/ and loads the sources, so an app
// inside it (examples/, and the hooks of stacks synthesized there, which find reposmith by name
// through Node's self-reference) always runs the code as it is now, with nothing to build.
const { existsSync } = require("node:fs");
const path = require("node:path");

const sources = path.join(__dirname, "src", "index.ts");

if (existsSync(sources)) {
  // Under tsx (as the examples run) `.ts` is already handled; plain node needs tsx registered.
  if (!require.extensions[".ts"]) require("tsx/cjs/api").register();
  module.exports = require(sources);
} else {
  module.exports = require("./dist/index.js");
}
