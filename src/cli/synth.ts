import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { withoutSecrets } from "../util/secret-env";
import { CliError } from "./errors";
import { appWroteNothing, couldNotRunApp, notValidJson } from "./messages";

export interface CdktfConfig {
  app?: string;
  output?: string;
  /** Context values for the app (`reposmith:hookResource`, `reposmith:command`, the app's own). */
  context?: Record<string, unknown>;
  terraformModules?: (string | { source: string })[];
}

/** cdktf.json of the working directory (or `{}`). */
function readCdktfJson(cwd: string): CdktfConfig {
  const file = path.join(cwd, "cdktf.json");
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CdktfConfig;
  } catch (err) {
    throw new CliError(notValidJson(`cdktf.json in ${cwd}`, err, "fix it or pass --app and --output"));
  }
}

export interface SynthOptions {
  app?: string;
  output?: string;
  cwd?: string;
  /** Where the app's own output goes (default: inherited). */
  stdio?: "inherit" | "pipe";
}

/** Resolves --app / --output against cdktf.json, as cdktf-cli does; `env` is what the app runs with (appEnv). */
export function resolveApp(opts: SynthOptions): {
  app: string | undefined;
  outdir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
} {
  const cwd = opts.cwd ?? process.cwd();
  const conf = readCdktfJson(cwd);
  const output = opts.output ?? conf.output ?? "cdktf.out";
  const outdir = path.resolve(cwd, output);
  // The app gets the output directory as given (relative to cwd, where it runs), as from the CLIs.
  return { app: opts.app ?? conf.app, outdir, cwd, env: appEnv(conf, output, process.env, secretNamesIn(outdir)) };
}

/**
 * `"apiKeyEnv":"NAME"` and `fromEnv`, plain or inside a JSON
 * string (escaped quotes): how Secret.fromEnv is synthesized.
 */
const NAMED_SECRET = /\b(\w*Env|fromEnv)\\*"\s*:\s*\\*"([A-Za-z_][A-Za-z0-9_]*)\\*"/g;

/**
 * The variables the last synth output names as secrets (every `Secret.fromEnv`, as `…Env` keys of
 * the hook resources' spec and connection): read before the app runs again, so that its child
 * environment leaves them out. A name first declared by this very synth is not known yet; it is
 * left out by name if it looks like a secret (util/secret-env.ts#isSecretName).
 */
export function secretNamesIn(outdir: string): string[] {
  const names = new Set<string>();
  const stacks = path.join(outdir, "stacks");
  if (!existsSync(stacks)) return [];
  for (const stack of readdirSync(stacks, { withFileTypes: true })) {
    const file = path.join(stacks, stack.name, "cdk.tf.json");
    if (!stack.isDirectory() || !existsSync(file)) continue;
    for (const m of readFileSync(file, "utf8").matchAll(NAMED_SECRET)) names.add(m[2]);
  }
  return [...names];
}

/**
 * The environment the official CLIs run the app in (cdktf-cli 0.21 and cdktn-cli 0.24 share this
 * code: https://github.com/hashicorp/terraform-cdk/blob/main/packages/%40cdktf/cli-core/src/lib/synth-stack.ts,
 * https://github.com/hashicorp/terraform-cdk/blob/main/packages/%40cdktf/commons/src/config.ts and
 * https://github.com/open-constructs/cdk-terrain/blob/main/packages/%40cdktn/cli-core/src/lib/synth-stack.ts),
 * so that `reposmith synth` and `cdktf synth` give the same app the same desired state:
 * - CDKTF_CONTEXT_JSON: cdktf.json's `context` when it has one (it replaces what the environment
 *   held), else the environment's, plus `cdktfRelativeModules` (cdktf.json's modules given by a
 *   `./` or `../` path). The App reads it over the context given to its constructor.
 * - CDKTF_OUTDIR; SYNTH_HCL_OUTPUT=false (JSON, which the engine reads); no TF_VAR_* variables
 *   (they are for Terraform); NODE_OPTIONS=--max-old-space-size=4096 unless NODE_OPTIONS is set.
 * - Not CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: the CLIs set it and then report the stacks'
 *   error annotations themselves; here the app fails on them, with cdktf's own message.
 * - CHECKPOINT_DISABLE=1: no telemetry from the app's library.
 * - Not reposmith's secrets: synth needs none (a Secret.fromEnv synthesizes only a name), so the
 *   app and whatever it loads never get CLOUDSMITH_API_KEY, the HW_* variables, any variable named
 *   like a key, token or password, one holding a URL with a password, or one the last synth output
 *   names (`secretNames`, see secretNamesIn).
 */
export function appEnv(
  conf: CdktfConfig,
  outdir: string,
  env: NodeJS.ProcessEnv = process.env,
  secretNames: readonly string[] = [],
): NodeJS.ProcessEnv {
  const out = Object.fromEntries(
    Object.entries(withoutSecrets(env, secretNames)).filter(([k]) => !k.startsWith("TF_VAR_")),
  );
  if (!out.NODE_OPTIONS) out.NODE_OPTIONS = "--max-old-space-size=4096";
  let fromEnv: Record<string, unknown> = {};
  try {
    fromEnv = conf.context ?? (env.CDKTF_CONTEXT_JSON ? JSON.parse(env.CDKTF_CONTEXT_JSON) : {});
  } catch (err) {
    throw new CliError(
      notValidJson("CDKTF_CONTEXT_JSON in the environment", err, "fix or unset it, or give the context in cdktf.json"),
    );
  }
  const relativeModules = (Array.isArray(conf.terraformModules) ? conf.terraformModules : []).filter((m) =>
    /^\.\.?\//.test(typeof m === "string" ? m : m.source),
  );
  return {
    ...out,
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTEXT_JSON: JSON.stringify({ ...fromEnv, cdktfRelativeModules: relativeModules }),
    SYNTH_HCL_OUTPUT: "false",
    CHECKPOINT_DISABLE: "1",
  };
}

/**
 * Runs the app command as `cdktf synth` does (appEnv: CDKTF_OUTDIR, so a plain `new App()` writes
 * where we read, and cdktf.json's context). The manifest is set aside first and put back only if
 * the synth fails.
 */
export function synthesize(opts: SynthOptions): string {
  const { app, outdir, cwd, env } = resolveApp(opts);
  if (!app)
    throw new CliError(`no app to synthesize: pass --app "npx tsx main.ts" or add "app" to cdktf.json in ${cwd}`);
  const aside = setManifestAside(outdir);
  try {
    const out = runApp(app, outdir, cwd, env, opts);
    aside.drop();
    return out;
  } catch (err) {
    aside.restore();
    throw err;
  }
}

/**
 * Before an app runs: only the manifest goes (stack directories hold Terraform's .terraform and
 * maybe its state). It is set aside rather than deleted, and put back if the synth fails, so
 * --skip-synth readers keep the last good output; the failed run reports its failure either way,
 * so a failed synth never passes for a fresh one. `reposmith synth` and the controller share this.
 */
export function setManifestAside(outdir: string): { restore(): void; drop(): void } {
  const manifest = path.join(outdir, "manifest.json");
  const previous = `${manifest}.previous`;
  if (existsSync(manifest)) renameSync(manifest, previous);
  return {
    restore: () => {
      if (existsSync(previous)) renameSync(previous, manifest);
    },
    drop: () => rmSync(previous, { force: true }),
  };
}

function runApp(app: string, outdir: string, cwd: string, env: NodeJS.ProcessEnv, opts: SynthOptions): string {
  // stderr is always captured: a props error is then shown as its message alone, not under the
  // loader's source excerpt and a stack trace of reposmith's internals.
  const r = spawnSync(app, {
    cwd,
    shell: true,
    stdio: opts.stdio === "pipe" ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "pipe"],
    env,
    encoding: "utf8",
  });
  if (r.error) throw new CliError(couldNotRunApp(app, r.error.message));
  const stderr = r.stderr ?? "";
  const invalid = r.status !== 0 ? validationMessage(stderr) : undefined;
  // Anything else the app printed (warnings, its own errors and their traces) is the user's to see;
  // with a props error, what it printed before Node's report of the error ("<file>:<line>", the excerpt, the trace).
  if (opts.stdio !== "pipe" && stderr) process.stderr.write(invalid ? beforeCrashReport(stderr) : stderr);
  if (r.status !== 0) throw synthFailed(app, r.status, stderr, invalid);
  if (!existsSync(path.join(outdir, "manifest.json"))) {
    throw new CliError(appWroteNothing(app, outdir));
  }
  return outdir;
}

/** The app's own stderr lines before Node's report of an uncaught error (which starts "<absolute file>:<line>"). */
function beforeCrashReport(stderr: string): string {
  const lines = stderr.split("\n");
  const report = lines.findIndex(
    (l) =>
      /^(\/|[A-Za-z]:\\|file:\/\/).*:\d+$/.test(l) ||
      l.startsWith("ValidationError: ") ||
      l.startsWith("Error: Validation failed"),
  );
  const own = (report < 0 ? [] : lines.slice(0, report)).join("\n").trim();
  return own ? `${own}\n` : "";
}

/**
 * The error for an app that exited non-zero: a reposmith props error as its message alone, else
 * the exit code and the app's error lines (the CLI has shown its whole stderr already).
 */
export function synthFailed(
  app: string,
  status: number | null,
  stderr: string,
  invalid = validationMessage(stderr),
): CliError {
  if (invalid) return new CliError(`synth failed: ${invalid}`);
  const detail = stderr
    .trim()
    .split("\n")
    .filter((l) => /error/i.test(l))
    .slice(0, 5)
    .map((l) => l.trim())
    .join("; ");
  return new CliError(`synth failed: the app "${app}" exited with ${status}${detail ? `: ${detail}` : ""}`);
}

/**
 * The message of a reposmith ValidationError (construct path, field, fix) that ended the app, as
 * Node prints an uncaught error: "ValidationError: <message>" (one line, or "  - " lines after it)
 * followed by the stack's "    at" lines.
 */
function validationMessage(stderr: string): string | undefined {
  const lines = stderr.split("\n");
  // The checks that span constructs (duplicates, sync cycles) run in cdktf's validation at synth,
  // which reports "[path] message" lines under its own heading (and advice to skip validation).
  const heading = lines.findIndex((l) => l.startsWith("Error: Validation failed with the following errors:"));
  if (heading >= 0) {
    const problems = lines.slice(heading + 1).filter((l) => /^ {2}\[[^\]]*\] /.test(l));
    if (problems.length) return problems.map((l) => l.trim().replace(/^\[([^\]]*)\] /, 'at "$1": ')).join("\n");
  }
  // reposmith's own: "<Kind> at "<path>": …" (an app's own ValidationError, e.g. Joi's, keeps its trace).
  const start = lines.findIndex((l) => /^ValidationError: [A-Z]\w* at "[^"]*":/.test(l));
  if (start < 0) return undefined;
  const message = [lines[start].slice("ValidationError: ".length)];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith("  - ")) break;
    message.push(l);
  }
  return message.join("\n");
}
