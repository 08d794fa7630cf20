#!/usr/bin/env node
// An installed package runs its compiled dist/. From a checkout (src/ present) what runs is always
// what is in src/: bundled by esbuild into node_modules/.cache/reposmith-cli/, keyed by a digest of
// the sources, so a start costs half the CPU of transpiling module by module with tsx (0.6 s against
// 1.2 s measured here; the tests and Terraform hooks start the CLI hundreds of times). Without
// esbuild, or if bundling fails, the sources run through tsx as before.
const { createHash } = require("node:crypto");
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const sources = path.join(root, "src", "cli", "main.ts");

/** sha256 of every file under src/ and of package.json (its version is bundled in). */
function digest() {
  const hash = createHash("sha256");
  const add = (rel) => {
    const abs = path.join(root, rel);
    for (const e of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) add(child);
      else
        hash
          .update(`${child}\0`)
          .update(readFileSync(path.join(root, child)))
          .update("\0");
    }
  };
  add("src");
  hash.update(readFileSync(path.join(root, "package.json")));
  return hash.digest("hex").slice(0, 16);
}

/** The bundle of src/cli/main.ts for the sources as they are now, built if missing; undefined if it cannot be. */
function bundle() {
  if (process.env.REPOSMITH_NO_BUNDLE) return undefined;
  try {
    const dir = path.join(root, "node_modules", ".cache", "reposmith-cli");
    const file = path.join(dir, `cli-${digest()}.js`);
    if (existsSync(file)) return file;
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    require("esbuild").buildSync({
      entryPoints: [sources],
      outfile: partial,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
    renameSync(partial, file); // atomic: a process starting beside this one finds a whole bundle or none
    // Bundles of earlier sources, once no process can still be about to load them.
    for (const old of readdirSync(dir).map((e) => path.join(dir, e))) {
      if (old !== file && Date.now() - statSync(old).mtimeMs > 600_000) rmSync(old, { force: true });
    }
    return file;
  } catch {
    return undefined;
  }
}

if (existsSync(sources)) {
  const bundled = bundle();
  if (bundled) {
    require(bundled).main(process.argv);
  } else {
    require("tsx/cjs/api").register();
    require(sources).main(process.argv);
  }
} else {
  require("../dist/cli/main.js").main(process.argv);
}
