import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator, type Emulator } from "../../src/emulator";
import { nodeApp, srcBundle } from "./app-bundle";
import { emulatorAdmin } from "./emulator-admin";

export const ROOT = path.resolve(__dirname, "../..");

function withoutColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out.FORCE_COLOR;
  return out;
}

export interface TestEmulator {
  emu: Emulator;
  apiKey: string;
  env: NodeJS.ProcessEnv;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** An admin call (`/_emulator<route>`); its parsed answer. A non-2xx answer fails the test. */
  admin(method: string, route: string, body?: unknown): Promise<any>;
  /** Empties the emulator (state, stats, faults, rate limit) and seeds it with `doc`. */
  reseed(doc: unknown): Promise<void>;
  /** Every token of a repository, with values (emulator state dump). */
  tokens(owner: string, repo: string): Promise<any[]>;
  writes(): Promise<number>;
  close(): Promise<void>;
}

export async function startTestEmulator(repos: [string, string][] = [["acme", "prod"]]): Promise<TestEmulator> {
  const apiKey = `test-api-key-${Math.random().toString(36).slice(2)}`;
  const emu = await startEmulator({
    port: 0,
    apiKey,
    seed: { repositories: repos.map(([owner, slug]) => ({ owner, slug })) },
  });
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await fetch(url, {
      method,
      headers: { "X-Api-Key": apiKey, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const t: TestEmulator = {
    emu,
    apiKey,
    env: {
      ...withoutColor(process.env),
      CLOUDSMITH_API_URL: `${emu.url}/v1`,
      CLOUDSMITH_API_KEY: apiKey,
      NO_COLOR: "1",
    },
    api: (method, route, body) => call(method, `${emu.url}/v1${route}`, body),
    admin: (method, route, body) => emulatorAdmin(emu.url, method, route, body),
    reseed: async (doc) => {
      await emulatorAdmin(emu.url, "POST", "/reset");
      await emulatorAdmin(emu.url, "POST", "/seed", doc);
    },
    tokens: async (owner, repo) => {
      const r = await call("GET", `${emu.url}/v1/entitlements/${owner}/${repo}/?page_size=500&show_tokens=true`);
      return r.body as any[];
    },
    writes: async () => {
      const stats = emu.stats().requests.byRoute;
      return Object.entries(stats)
        .filter(([route]) => /^(POST|PATCH|PUT|DELETE) /.test(route))
        .reduce((n, [, c]) => n + c, 0);
    },
    close: () => emu.close(),
  };
  return t;
}

/** Retry settings for in-process engine tests: quick, and few. */
export const FAST_RETRIES = { retryBaseMs: 5, maxRetries: 2 };

/**
 * One emulator for the test file, and before each test acme's `repositories` reseeded and a fresh
 * piece of work space from `open` (given to `close` after the test).
 */
export function emulatorWith<W>(
  repositories: string[],
  open: () => W,
  close: (w: W) => void,
): { readonly t: TestEmulator; readonly work: W } {
  let t: TestEmulator;
  let work: W;
  beforeAll(async () => {
    t = await startTestEmulator();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reseed({ repositories: repositories.map((slug) => ({ owner: "acme", slug })) });
    work = open();
  });
  afterEach(() => close(work));
  return {
    get t() {
      return t;
    },
    get work() {
      return work;
    },
  };
}

/** The prelude of an in-process engine test file: the emulator (acme/prod, or `repositories`) and a temporary directory per test. */
export function emulatorFixture(
  dirPrefix: string,
  repositories = ["prod"],
): { readonly t: TestEmulator; readonly dir: string } {
  const f = emulatorWith(
    repositories,
    () => mkdtempSync(path.join(tmpdir(), dirPrefix)),
    (dir) => rmSync(dir, { recursive: true, force: true }),
  );
  return {
    get t() {
      return f.t;
    },
    get dir() {
      return f.work;
    },
  };
}

/**
 * The prelude of a CLI test file: the emulator (acme's `repositories`) and a Workdir per test.
 * `run` calls the CLI in the Workdir with its output and state flags (reposmithIn).
 */
export function cliFixture(repositories: string[] = ["prod"]): {
  readonly t: TestEmulator;
  readonly w: Workdir;
  run(...args: string[]): Promise<CliResult>;
} {
  const f = emulatorWith(
    repositories,
    () => new Workdir(),
    (w) => w.cleanup(),
  );
  return {
    get t() {
      return f.t;
    },
    get w() {
      return f.work;
    },
    run: (...args: string[]) => reposmithIn(f.work, args, f.t.env),
  };
}

export interface TokenDecl {
  id: string;
  /** token (default), default (the repository's default token), sync (EntitlementSync) or connection (CloudsmithConnection, where the app declares one). */
  type?: "token" | "default" | "sync" | "connection";
  props: Record<string, unknown>;
}

/** A throw-away project: an app (plain JavaScript on src/'s bundle, see app-bundle.ts) that declares the tokens listed in tokens.json. */
export class Workdir {
  readonly dir: string;
  constructor(readonly stack = "app") {
    mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
    this.dir = mkdtempSync(path.join(ROOT, ".test-work", "w-"));
    writeFileSync(
      path.join(this.dir, "app.js"),
      `const { App, TerraformStack } = require("cdktf");
const { readFileSync } = require("node:fs");
const { EntitlementSync, EntitlementToken } = require(${JSON.stringify(srcBundle())});
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(stack)});
for (const t of JSON.parse(readFileSync(__dirname + "/tokens.json", "utf8"))) {
  if (t.type === "sync") new EntitlementSync(stack, t.id, t.props);
  else if (t.type === "default") EntitlementToken.forDefaultToken(stack, t.id, t.props);
  else new EntitlementToken(stack, t.id, t.props);
}
app.synth();
`,
    );
    this.declare([]);
  }

  declare(tokens: TokenDecl[]): void {
    writeFileSync(path.join(this.dir, "tokens.json"), JSON.stringify(tokens));
  }

  get args(): string[] {
    return ["--app", nodeApp("app.js"), "--output", "cdktf.out", "--state", "state"];
  }

  stateFile(): string {
    return path.join(this.dir, "state", `${this.stack}.json`);
  }

  state(): any {
    return JSON.parse(readFileSync(this.stateFile(), "utf8"));
  }

  /** Every file the run left behind (synth output, state, backups), for secret scanning. */
  allFiles(): { file: string; text: string; mode: number }[] {
    const out: { file: string; text: string; mode: number }[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push({ file: p, text: readFileSync(p, "utf8"), mode: statSync(p).mode & 0o777 });
      }
    };
    walk(this.dir);
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The commands that run the app first unless given --skip-synth (not reconcile: its --watch re-synthesizes). */
const SYNTHESIZING = new Set(["plan", "apply", "drift", "destroy", "import"]);
/** Per project: what it held at its last synth, and the manifest that synth wrote. */
const lastSynth = new WeakMap<object, { inputs: string; manifest: string }>();

/** The files at the top of a project (its app and what the app reads), as one string. */
function projectInputs(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.name}\0${readFileSync(path.join(dir, e.name), "utf8")}`)
    .sort()
    .join("\0");
}

/** The manifest's identity (inode and mtime: a synth writes a new file), or "" when there is none. */
function manifestId(dir: string): string {
  const st = statSync(path.join(dir, "cdktf.out", "manifest.json"), { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}` : "";
}

/**
 * `reposmith <args> <work.args>` in a throw-away project (a Workdir or a MirrorWorkdir, output in
 * cdktf.out). The app runs when what the project holds (the app and the declarations it reads)
 * changed since its last synth there, or that synth's output is gone; otherwise plan, apply, drift,
 * destroy and import read the output it left (--skip-synth), as a pipeline that runs
 * `reposmith synth` once and then plan and apply does. Every declaration is still synthesized
 * once, by the CLI; only the identical re-runs of the app (0.5 s each, most of a test's later
 * commands) are left out. A test about synth itself calls `reposmith` directly.
 */
export async function reposmithIn(
  work: { dir: string; args: string[] },
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  const inputs = projectInputs(work.dir);
  const before = manifestId(work.dir);
  const last = lastSynth.get(work);
  const skip = SYNTHESIZING.has(args[0]) && before !== "" && last?.inputs === inputs && last.manifest === before;
  const r = await reposmith([...args, ...(skip ? ["--skip-synth"] : []), ...work.args], { cwd: work.dir, env });
  const after = manifestId(work.dir);
  if (after !== "" && after !== before) lastSynth.set(work, { inputs, manifest: after });
  return r;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `reposmith` binary, as a user would. Asynchronous on purpose: the emulator lives in
 * this process, and a synchronous spawn would stop it from answering.
 */
export function reposmith(
  args: string[],
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /** Sends `signal` once the output (stdout + stderr) first matches `when` (a Ctrl-C mid-run). */ interrupt?: {
      when: RegExp;
      signal?: NodeJS.Signals;
    };
    /** Called with the output so far (stdout + stderr) each time more arrives. */
    onOutput?: (text: string) => void;
  },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/reposmith.js"), ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    const watch = () => {
      opts.onOutput?.(stdout + stderr);
      if (!opts.interrupt || sent || !opts.interrupt.when.test(stdout + stderr)) return;
      sent = true;
      child.kill(opts.interrupt.signal ?? "SIGINT");
    };
    child.stdout.on("data", (d) => ((stdout += d), watch()));
    child.stderr.on("data", (d) => ((stderr += d), watch()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
