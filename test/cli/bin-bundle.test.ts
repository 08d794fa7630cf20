/**
 * bin/reposmith.js from a checkout: it runs what is in src/ now, through an esbuild bundle cached by
 * a digest of the sources, and through tsx when bundling is switched off or fails. Run on a copy of
 * the launcher in a temporary checkout whose src/cli/main.ts only says which version it is.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const repo = path.join(__dirname, "..", "..");
let root: string;
const cache = () => path.join(root, "node_modules", ".cache", "reposmith-cli");
const bundles = () => readdirSync(cache()).filter((f) => f.endsWith(".js"));

function writeMain(version: string): void {
  writeFileSync(
    path.join(root, "src", "cli", "main.ts"),
    `export function main(argv: string[]): void {\n  const how: string = typeof require === "function" && __filename.includes(".cache") ? "bundle" : "sources";\n  console.log("${version} " + how + " " + argv.slice(2).join(" "));\n}\n`,
  );
}

const run = (env: NodeJS.ProcessEnv = {}, ...args: string[]) =>
  execFileSync(process.execPath, [path.join(root, "bin", "reposmith.js"), ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  }).trim();

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "reposmith-bin-"));
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "src", "cli"), { recursive: true });
  mkdirSync(path.join(root, "node_modules"));
  copyFileSync(path.join(repo, "bin", "reposmith.js"), path.join(root, "bin", "reposmith.js"));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "reposmith", version: "0.0.0-test" }));
  for (const dep of ["esbuild", "tsx"])
    symlinkSync(path.join(repo, "node_modules", dep), path.join(root, "node_modules", dep));
  writeMain("v1");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("bin/reposmith.js from a checkout", () => {
  it("runs src/ through a cached bundle, and a new bundle as soon as a source changes", () => {
    expect(run({}, "plan", "--stack", "a")).toBe("v1 bundle plan --stack a");
    expect(bundles()).toHaveLength(1);
    expect(run()).toBe("v1 bundle"); // the same sources: the same bundle, not built again
    expect(bundles()).toHaveLength(1);
    writeMain("v2");
    expect(run()).toBe("v2 bundle");
    expect(bundles()).toHaveLength(2); // the old one stays for 10 minutes: a process may be about to load it
  });

  it("counts package.json as a source (its version is bundled in)", () => {
    run();
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "reposmith", version: "0.0.1-test" }));
    run();
    expect(bundles()).toHaveLength(2);
  });

  it("runs the sources through tsx with REPOSMITH_NO_BUNDLE set, and when esbuild is missing", () => {
    expect(run({ REPOSMITH_NO_BUNDLE: "1" })).toBe("v1 sources");
    rmSync(path.join(root, "node_modules", "esbuild"));
    expect(run()).toBe("v1 sources");
  });
});
