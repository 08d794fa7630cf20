/**
 * The throw-away apps of the CLI tests, run the cheap way. Each `reposmith plan/apply/drift` runs
 * the app (a synth per invocation, as for a user), and the CLI test files invoke it hundreds of
 * times. Run through tsx, an app importing src/ cost 1.7 s of CPU per synth here (tsx's own start,
 * a second Node process, and src/ transpiled module by module); as plain JavaScript requiring one
 * esbuild bundle of src/index.ts it costs about 0.4 s: the same constructs, the same cdktf, the same
 * synth. The bundle is built once per version of the sources into node_modules/.cache/reposmith-test/
 * (as bin/reposmith.js does for the CLI itself), atomically, so test files starting together are safe.
 * The tests about how an app is run (tsx, cdktf.json, the official CLIs) keep their own apps.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const DIR = path.join(ROOT, "node_modules", ".cache", "reposmith-test");

/** sha256 of every file under src/ and of package.json. */
function digest(): string {
  const hash = createHash("sha256");
  const add = (rel: string) => {
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) add(child);
      else
        hash
          .update(`${child}\0`)
          .update(readFileSync(path.join(ROOT, child)))
          .update("\0");
    }
  };
  add("src");
  hash.update(readFileSync(path.join(ROOT, "package.json")));
  return hash.digest("hex").slice(0, 16);
}

let built: string | undefined;

/** The path of a CommonJS bundle of src/index.ts (cdktf, cdktn and constructs left external: they resolve from node_modules). */
export function srcBundle(): string {
  if (built && existsSync(built)) return built;
  const file = path.join(DIR, `app-${digest()}.js`);
  if (!existsSync(file)) {
    mkdirSync(DIR, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("esbuild") as typeof import("esbuild")).buildSync({
      entryPoints: [path.join(ROOT, "src", "index.ts")],
      outfile: partial,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      // The CDK libraries stay the app's own (the constructs bind to the App's library); the rest
      // (zod above all) is inlined: 0.4 s a synth instead of 0.5 s, module resolution saved.
      external: ["cdktf", "cdktn", "constructs"],
      logLevel: "silent",
    });
    renameSync(partial, file); // a worker starting beside this one finds a whole bundle or none
    for (const old of readdirSync(DIR).map((e) => path.join(DIR, e))) {
      if (old !== file && Date.now() - statSync(old).mtimeMs > 600_000) rmSync(old, { force: true });
    }
  }
  return (built = file);
}

/** The `--app` command that runs `file` (plain JavaScript) with this Node. */
export const nodeApp = (file: string) => `${JSON.stringify(process.execPath)} ${file}`;
