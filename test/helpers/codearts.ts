/** Test helpers for CodeArts mirrors: an in-process emulator seeded for CodeArts, and a throw-away app. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmulator, type Emulator } from "../../src/emulator";
import { emulatorAdmin } from "./emulator-admin";
import { nodeApp, srcBundle } from "./app-bundle";
import { ROOT, reposmithIn, type CliResult } from "./harness";

export const IAM_PASSWORD = "Iam-Pa55word-7f3c9e1a-secret";
export const SOURCE_URL = "https://git.example.com/app.git";
export const PUBLIC_URL = "https://git.example.com/public.git";
export const SOURCE_USER = "mirror-bot-4b7d2e";
export const SOURCE_PASSWORD = "Src-Pa55-9d2a6c0f-secret";

export const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export const SEED = {
  codearts: {
    users: [{ domain: "acme", name: "ci", password: IAM_PASSWORD }],
    repositories: [
      { id: 123, name: "app" },
      { id: 124, name: "public" },
    ],
    sources: [{ url: SOURCE_URL, username: SOURCE_USER, password: SOURCE_PASSWORD }, { url: PUBLIC_URL }],
    settings: { queueMs: 50, syncMs: 150 },
  },
};

export interface CodeArtsTestEmulator {
  emu: Emulator;
  env: NodeJS.ProcessEnv;
  /** An admin call (`/_emulator<route>`); its parsed answer. A non-2xx answer fails the test. */
  admin(method: string, route: string, body?: unknown): Promise<any>;
  /** Empties the emulator and seeds it with `doc`. */
  reseed(doc: unknown): Promise<void>;
  /** The CodeArts section of the emulator state (mirrors, start bodies, counters, tokens). */
  state(): Promise<any>;
  mirror(id: number): Promise<any>;
  /** Requests counted for `METHOD /v4/...` route templates. */
  count(route: string): number;
  close(): Promise<void>;
}

export const START = "POST /v4/repositories/{repository_id}/remote-mirror";
export const PUT = "PUT /v4/repositories/{repository_id}/remote-mirror";
export const ASSOCIATE = "POST /v4/repositories/{repository_id}/remote-mirror/associate";
export const IAM = "POST /v3/auth/tokens";

export async function startCodeArtsEmulator(): Promise<CodeArtsTestEmulator> {
  const emu = await startEmulator({ port: 0, apiKey: "cloudsmith-key-unused", seed: SEED });
  const admin = (method: string, route: string, body?: unknown) => emulatorAdmin(emu.url, method, route, body);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (k.startsWith("HW_")) delete env[k];
  Object.assign(env, {
    HW_REGION_NAME: "cn-north-4",
    HW_DOMAIN_NAME: "acme",
    HW_USER_NAME: "ci",
    HW_USER_PASSWORD: IAM_PASSWORD,
    HW_AUTH_URL: `${emu.url}/v3`,
    HW_CODEARTS_REPO_ENDPOINT: emu.url,
    GIT_USER: SOURCE_USER,
    GIT_PASSWORD: SOURCE_PASSWORD,
  });
  const state = () => admin("GET", "/codearts");
  return {
    emu,
    env,
    admin,
    reseed: async (doc: unknown) => {
      await admin("POST", "/reset");
      await admin("POST", "/seed", doc);
    },
    state,
    mirror: async (id) => (await state()).repositories.find((r: any) => r.id === id)?.mirror,
    count: (route) => emu.stats().requests.byRoute[route] ?? 0,
    close: () => emu.close(),
  };
}

/** A throw-away project whose app (plain JavaScript on src/'s bundle, see app-bundle.ts) declares the mirrors listed in mirrors.json (and an optional connection). */
export class MirrorWorkdir {
  readonly dir: string;
  constructor(readonly stack = "app") {
    mkdirSync(path.join(ROOT, ".test-work"), { recursive: true });
    this.dir = mkdtempSync(path.join(ROOT, ".test-work", "ca-"));
    writeFileSync(
      path.join(this.dir, "app.js"),
      `const { App, TerraformStack } = require("cdktf");
const { readFileSync } = require("node:fs");
const { CodeArtsConnection, RepositoryMirror, Secret } = require(${JSON.stringify(srcBundle())});
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(stack)});
const doc = JSON.parse(readFileSync(__dirname + "/mirrors.json", "utf8"));
if (doc.connection) new CodeArtsConnection(stack, "codearts", doc.connection);
for (const m of doc.mirrors) {
  const c = m.props.credentials;
  new RepositoryMirror(stack, m.id, { ...m.props, ...(c ? { credentials: { username: Secret.fromEnv(c.username), password: Secret.fromEnv(c.password) } } : {}) });
}
app.synth();
`,
    );
    this.declare([]);
  }

  declare(mirrors: { id: string; props: Record<string, unknown> }[], connection?: Record<string, unknown>): void {
    writeFileSync(path.join(this.dir, "mirrors.json"), JSON.stringify({ mirrors, connection }));
  }

  get args(): string[] {
    return ["--app", nodeApp("app.js"), "--output", "cdktf.out", "--state", "state"];
  }

  state(): any {
    return JSON.parse(readFileSync(path.join(this.dir, "state", `${this.stack}.json`), "utf8"));
  }

  allFiles(): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (statSync(p).size < 5_000_000) out.push({ file: p, text: readFileSync(p, "utf8") });
      }
    };
    walk(this.dir);
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A RepositoryMirror declaration for MirrorWorkdir.declare: repository 123 mirroring SOURCE_URL with its credentials, polled fast. */
export const declaredMirror = (props: Record<string, unknown> = {}) => ({
  id: "mirror",
  props: {
    repositoryId: 123,
    sourceUrl: SOURCE_URL,
    credentials: { username: "GIT_USER", password: "GIT_PASSWORD" },
    waitForSync: { pollInterval: "50ms", timeout: "30s" },
    ...props,
  },
});

/**
 * The prelude of a CLI test file on CodeArts mirrors: one emulator for the file, and before each
 * test the emulator reseeded with `seed` and a fresh MirrorWorkdir; `run` calls the CLI there (reposmithIn).
 */
export function mirrorCliFixture(seed: unknown = SEED): {
  readonly t: CodeArtsTestEmulator;
  readonly w: MirrorWorkdir;
  run(...args: string[]): Promise<CliResult>;
} {
  let t: CodeArtsTestEmulator;
  let w: MirrorWorkdir;
  beforeAll(async () => {
    t = await startCodeArtsEmulator();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reseed(seed);
    w = new MirrorWorkdir();
  });
  afterEach(() => w.cleanup());
  return {
    get t() {
      return t;
    },
    get w() {
      return w;
    },
    run: (...args) => reposmithIn(w, args, t.env),
  };
}
