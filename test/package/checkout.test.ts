/**
 * reposmith found by name inside its own checkout, as Node's self-reference finds it through the
 * exports map: the examples import "reposmith" as a user's app does, and the hooks of a stack
 * synthesized in the checkout find the CLI with the default command, both running src/ as it is.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_HOOK_COMMAND } from "../../src/constructs/hook-command";
import { ROOT } from "../helpers/harness";

/** Where a stack of examples/quickstart is synthesized, as far as Node's resolution is concerned. */
const INSIDE = path.join(ROOT, "examples", "quickstart");
const env = { ...process.env, NODE_OPTIONS: "" };

describe("inside the checkout", () => {
  it("the hooks' default command finds the checkout's CLI by name", () => {
    // As Terraform's local-exec runs it: through /bin/sh, in a directory of the checkout.
    const out = execFileSync("/bin/sh", ["-c", `${DEFAULT_HOOK_COMMAND} --version`], {
      cwd: INSIDE,
      env,
      encoding: "utf8",
    });
    expect(out.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
  });

  it('"reposmith" is the checkout\'s entry, which loads src/ (no build), under plain node', () => {
    const script = `
const entry = require.resolve("reposmith");
const { EntitlementToken } = require("reposmith");
console.log(JSON.stringify({ entry, token: typeof EntitlementToken, loaded: Object.keys(require.cache) }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: INSIDE, env, encoding: "utf8" }));
    expect(out.entry).toBe(path.join(ROOT, "index.js"));
    expect(out.token).toBe("function");
    expect(out.loaded).toContain(path.join(ROOT, "src", "index.ts"));
    expect(out.loaded.filter((f: string) => f.startsWith(path.join(ROOT, "dist")))).toEqual([]);
  });

  it('the examples import the constructs from "reposmith", as a user\'s app does, never from src/', () => {
    const imports = readdirSync(path.join(ROOT, "examples"))
      .map((e) => path.join(ROOT, "examples", e, "main.ts"))
      .filter((f) => existsSync(f))
      .flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/^import\b[^;]*?from\s+"([^"]+)"/gm)].map(
          ([, spec]) => `${path.relative(ROOT, f)}: ${spec}`,
        ),
      );
    expect(imports.filter((i) => i.endsWith(": reposmith")).length).toBe(4);
    expect(imports.filter((i) => /: \.|src/.test(i))).toEqual([]);
  });
});
