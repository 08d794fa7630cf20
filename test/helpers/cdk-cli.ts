/**
 * The official CDK CLIs (cdktf-cli 0.21, cdktn-cli 0.24) and a new user's app around the packed
 * reposmith package, for the end-to-end tests in test/e2e/cdk-cli.*.test.ts.
 *
 * The CLIs (about 420 MB and 220 MB installed) and cdktn-cli's Node (>= 22.19; a Node binary from
 * the npm registry's node-<os>-<cpu> package) are not devDependencies: they are installed on first
 * use into node_modules/.cache/reposmith-e2e/ (pinned versions, about a minute each) and reused
 * after that, so `npm install` stays small and a run with the cache warm starts at once.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { ROOT } from "./harness";
import { emptyTerraformRc } from "./terraform";

const CACHE = path.join(ROOT, "node_modules", ".cache", "reposmith-e2e");

export interface Flavour {
  /** The app's library and the version tested. */
  lib: "cdktf" | "cdktn";
  version: string;
  /** The CLI package, its version and its command. */
  cli: string;
  cliVersion: string;
  bin: string;
  /** The Node the CLI needs (its package's `engines`). */
  node?: string;
}

export const CDKTF: Flavour = { lib: "cdktf", version: "0.21.0", cli: "cdktf-cli", cliVersion: "0.21.0", bin: "cdktf" };
export const CDKTN: Flavour = {
  lib: "cdktn",
  version: "0.24.0",
  cli: "cdktn-cli",
  cliVersion: "0.24.0",
  bin: "cdktn",
  node: ">=22.19.0",
};
const NODE_22 = "22.23.5";

/** `npm install` of `specs` into the cache folder `name` once; later calls reuse it. Returns the folder. */
function cached(name: string, specs: string[], env: NodeJS.ProcessEnv = process.env): string {
  const dir = path.join(CACHE, name);
  if (existsSync(path.join(dir, ".complete"))) return dir;
  // Installed aside and renamed into place: a run stopped half-way, or a second worker
  // installing the same, never leaves a folder that looks complete.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  process.stdout.write(`installing ${specs.join(" ")} into ${dir} (once)\n`);
  execFileSync("npm", ["install", "--prefix", partial, "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  writeFileSync(path.join(partial, ".complete"), specs.join("\n"));
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another worker got there first
  }
  return dir;
}

/** A Node that `flavour`'s CLI runs on: this one if it fits, else Node 22 from the npm registry. */
export function nodeFor(flavour: Flavour): string {
  if (!flavour.node || semver.satisfies(process.version, flavour.node)) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  return path.join(cached(`${pkg}-${NODE_22}`, [`${pkg}@${NODE_22}`]), "node_modules", pkg, "bin", "node");
}

/** The environment a CLI runs in: `node` first on PATH, and no telemetry, version look-ups or prompts. */
export function cliEnv(flavour: Flavour, base: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const node = nodeFor(flavour);
  mkdirSync(home, { recursive: true });
  return {
    ...base,
    PATH: `${path.dirname(node)}${path.delimiter}${base.PATH ?? ""}`,
    CHECKPOINT_DISABLE: "1", // the CLI's telemetry (checkpoint-api.hashicorp.com), and Terraform's
    DISABLE_VERSION_CHECK: "true", // the CLI's `npm view <cli> version` on a terminal
    CDKTF_HOME: home, // where the CLI writes its user id file (~/.cdktf otherwise)
    TF_CLI_CONFIG_FILE: emptyTerraformRc(),
    TF_IN_AUTOMATION: "1",
  };
}

/** The CLI's command, installed in the cache (with its own Node when it needs one). */
export function installCli(flavour: Flavour): string {
  const dir = cached(
    `${flavour.cli}-${flavour.cliVersion}`,
    [`${flavour.cli}@${flavour.cliVersion}`],
    cliEnv(flavour, process.env, path.join(CACHE, "home")),
  );
  return path.join(dir, "node_modules", ".bin", flavour.bin);
}

/**
 * A new user's app in `dir`: `npm install reposmith <lib> constructs`, a cdktf.json, and a
 * main.js declaring the tokens in tokens.json (`[{ id, downloads, name?, metadata?, output? }]`; `output`
 * exports the token's slugPerm as `<id>_slug`) in stack "tokens". With
 * DUMP_ENV set, it writes the environment it was run in there.
 */
export function makeApp(dir: string, flavour: Flavour, tarball: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "new-user-app", private: true }));
  writeFileSync(
    path.join(dir, "cdktf.json"),
    JSON.stringify({
      language: "typescript",
      app: "node main.js",
      projectId: "reposmith-e2e",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: { "reposmith:hookResource": "terraform_data", "e2e:note": "from cdktf.json" },
    }),
  );
  writeFileSync(
    path.join(dir, "main.js"),
    `const { writeFileSync } = require("node:fs");
const { App, TerraformStack, TerraformOutput } = require(${JSON.stringify(flavour.lib)});
const { EntitlementToken } = require("reposmith");
if (process.env.DUMP_ENV) writeFileSync(process.env.DUMP_ENV, JSON.stringify(process.env));
const app = new App();
const stack = new TerraformStack(app, "tokens");
for (const t of require("./tokens.json")) {
  const token = new EntitlementToken(stack, t.id, { owner: "acme", repository: "prod", name: t.name ?? t.id, limits: { numDownloads: t.downloads }, ...(t.metadata ? { metadata: t.metadata } : {}) });
  if (t.output) new TerraformOutput(stack, t.id + "_slug", { value: token.slugPerm });
}
app.synth();
`,
  );
  execFileSync(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "--prefer-offline",
      tarball,
      `${flavour.lib}@${flavour.version}`,
      "constructs",
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
}

export function declareTokens(
  dir: string,
  tokens: { id: string; downloads: number; name?: string; metadata?: Record<string, string>; output?: boolean }[],
): void {
  writeFileSync(path.join(dir, "tokens.json"), JSON.stringify(tokens));
}

export const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
