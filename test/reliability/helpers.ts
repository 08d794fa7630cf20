/**
 * Shared pieces of the reliability suite (issue S8): a seeded RNG, the figures every test reports,
 * convergence invariants checked against the emulator, a killable `reposmith` subprocess and a
 * secret scanner over everything a test produced.
 *
 * Short by default (inside `npm test`); `RELIABILITY_LONG=1` (set by `npm run test:reliability`)
 * runs the long version. Figures go to `$RELIABILITY_FIGURES_DIR/figures.jsonl` when that is set.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { StackStateSchema, type StackState } from "../../src/engine";
import { ROOT, type CliResult, type TestEmulator } from "../helpers/harness";

export const LONG = process.env.RELIABILITY_LONG === "1";

/**
 * Every time limit in this suite is a guard against a hang, not a performance bound: what the suite
 * measures is counted (duplicates, faults, refusals), never timed. The long run goes beside `npm test`
 * on a 2-core machine, where the same work takes several times as long as alone, so its limits are
 * multiplied by RELIABILITY_TIME_SCALE (default 5; 1 inside `npm test`). scripts/reliability.ts passes
 * jest's own per-test limit the same way.
 */
export const TIME_SCALE = Number(process.env.RELIABILITY_TIME_SCALE || (LONG ? 5 : 1));
export const hangGuard = (ms: number) => Math.round(ms * TIME_SCALE);

export { rng } from "../helpers/random";

/** The seed of a test: `RELIABILITY_SEED` to replay a run, else a fresh one. Printed, so a failure can be replayed. */
export function seedFor(test: string): number {
  const fixed = process.env.RELIABILITY_SEED;
  const seed = fixed !== undefined && fixed !== "" ? Number(fixed) >>> 0 : Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`[reliability] ${test}: seed ${seed} (replay with RELIABILITY_SEED=${seed})\n`);
  return seed;
}

export interface Figures {
  kills: number;
  reruns: number;
  duplicates: number;
  orphans: number;
  lost: number;
  invalidStates: number;
  faultsInjected: number;
  errorsSurfaced: number;
  untypedErrors: number;
  fuzzCases: number;
  fuzzCrashes: number;
  secretHits: number;
  filesScanned: number;
  badModes: number;
}

/** Appends one test's figures for the runner's table (no-op unless RELIABILITY_FIGURES_DIR is set). */
export function recordFigures(test: string, figures: Partial<Figures> & Record<string, unknown>): void {
  const dir = process.env.RELIABILITY_FIGURES_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, "figures.jsonl"), JSON.stringify({ test, ...figures }) + "\n");
}

/**
 * Says, as a test file loads, that it will record figures under `test`: a file that stops before it
 * does (a timeout, a crash) then shows in the runner's table instead of adding zeros that look at target.
 */
export function announceFigures(test: string): void {
  recordFigures(test, { announced: true });
}

// ---------------------------------------------------------------------------------------------------
// Convergence invariants
// ---------------------------------------------------------------------------------------------------

export interface Convergence {
  /** Extra tokens carrying an already-used key (count - 1 per key). */
  duplicates: number;
  /** Tagged tokens whose key is not in state or no longer declared. */
  orphans: number;
  /** Declared keys missing remotely, or missing from state, or recorded with another id. */
  lost: number;
  problems: string[];
}

/**
 * Every token of the given repositories, values included, read through the emulator's admin state
 * (never through the API routes, which fault rules may be spoiling).
 */
export async function allTokens(t: TestEmulator, repos: [string, string][]): Promise<any[]> {
  const state = await t.admin("GET", "/state");
  const wanted = new Set(repos.map(([o, r]) => `${o}/${r}`));
  return (state.tokens as any[])
    .filter((x) => wanted.has(`${x.owner}/${x.repository}`))
    .map((x) => ({ ...x, repo: x.repository }));
}

/** Every reposmith-tagged token of the given repositories, by key. */
export async function taggedTokens(t: TestEmulator, repos: [string, string][]): Promise<Map<string, any[]>> {
  const byKey = new Map<string, any[]>();
  for (const tok of await allTokens(t, repos)) {
    if (tok.metadata?.["managed-by"] !== "reposmith") continue;
    const list = byKey.get(tok.metadata.key) ?? [];
    list.push(tok);
    byKey.set(tok.metadata.key, list);
  }
  return byKey;
}

/**
 * Checks tokens: no key on two tokens, nothing tagged outside state/declarations, every declared key
 * remote and in state under the remote id.
 */
export async function checkTokens(
  t: TestEmulator,
  repos: [string, string][],
  state: StackState,
  declared: Set<string>,
): Promise<Convergence> {
  const out: Convergence = { duplicates: 0, orphans: 0, lost: 0, problems: [] };
  const byKey = await taggedTokens(t, repos);
  for (const [key, list] of byKey) {
    if (list.length > 1) {
      out.duplicates += list.length - 1;
      out.problems.push(`duplicate: ${list.length} tokens tagged ${key}`);
    }
    if (!state.resources[key] || !declared.has(key)) {
      out.orphans += list.length;
      out.problems.push(`orphan: ${key} (${state.resources[key] ? "in state but not declared" : "not in state"})`);
    }
  }
  for (const key of declared) {
    const remote = byKey.get(key);
    const rs = state.resources[key];
    if (!remote?.length || !rs || !remote.some((x) => rs.id === `${x.owner}.${x.repo}.${x.slug_perm}`)) {
      out.lost++;
      out.problems.push(`lost: ${key} (remote ${remote?.length ?? 0}, state ${rs?.id ?? "none"})`);
    }
  }
  return out;
}

/** Reads a state file strictly: parses, matches the schema. Returns undefined when there is none. */
export function readStateFile(file: string): StackState | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = StackStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} does not match the state schema: ${parsed.error.issues[0]?.message}`);
  return parsed.data as StackState;
}

// ---------------------------------------------------------------------------------------------------
// A killable `reposmith`
// ---------------------------------------------------------------------------------------------------

export interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** Starts the real CLI (asynchronously: the emulator serving it lives in this process). */
export function startReposmith(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Running {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/reposmith.js"), ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? hangGuard(180_000));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 9 : -1), stdout, stderr });
    });
  });
  return { child, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Secret scanning
// ---------------------------------------------------------------------------------------------------

export interface SecretHit {
  where: string;
  secret: string;
}

/**
 * Everything a test produced: command outputs and the directories it wrote (synth output, plans,
 * state, logs). `scan` looks for every secret in all of it; `badModes` lists state files not 0600.
 */
export class Evidence {
  private readonly texts: { where: string; text: string }[] = [];
  private readonly dirs = new Set<string>();
  private readonly secrets = new Map<string, string>();

  addSecret(label: string, value: string | undefined | null): void {
    if (value && value.length >= 6 && value !== "**********") this.secrets.set(value, label);
  }

  /** Token values as the emulator holds them now (show_tokens), so deleted ones are still known later. */
  async addTokenValues(t: TestEmulator, repos: [string, string][]): Promise<void> {
    for (const tok of await allTokens(t, repos))
      this.addSecret(`token value of ${tok.owner}/${tok.repo}/${tok.slug_perm}`, tok.token);
  }

  addOutput(where: string, r: CliResult | { stdout: string; stderr: string }): void {
    this.texts.push({ where: `${where} (stdout)`, text: r.stdout }, { where: `${where} (stderr)`, text: r.stderr });
  }

  addText(where: string, text: string): void {
    this.texts.push({ where, text });
  }

  addDir(dir: string): void {
    this.dirs.add(dir);
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  files(): { file: string; mode: number }[] {
    const out: { file: string; mode: number }[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) {
          if (e.name !== "node_modules" && e.name !== ".terraform") walk(p);
        } else if (e.isFile()) out.push({ file: p, mode: statSync(p).mode & 0o777 });
      }
    };
    for (const d of this.dirs) walk(d);
    return out;
  }

  scan(): { hits: SecretHit[]; scanned: number; badModes: string[] } {
    const hits: SecretHit[] = [];
    const look = (where: string, text: string) => {
      for (const [value, label] of this.secrets) if (text.includes(value)) hits.push({ where, secret: label });
    };
    for (const { where, text } of this.texts) look(where, text);
    const files = this.files();
    const badModes: string[] = [];
    for (const f of files) {
      look(f.file, readFileSync(f.file, "latin1"));
      if (isStateFile(f.file) && f.mode !== 0o600) badModes.push(`${f.file} mode ${f.mode.toString(8)}`);
    }
    return { hits, scanned: this.texts.length + files.length, badModes };
  }
}

/**
 * Files of a reposmith file-backend state directory (`<stack>.json`, `.backup`, lock holder, temp
 * files). Terraform's own `.tfstate` is scanned for secrets like everything else, but its mode is Terraform's.
 */
export function isStateFile(file: string): boolean {
  return /[\\/](state|\.reposmith[\\/]state)[\\/][^\\/]+$/.test(file);
}
