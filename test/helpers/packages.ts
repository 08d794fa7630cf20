/** Helpers for package copy/mirror tests: seeding, in-process synth, and what the emulator saw. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { PackageCopy, PackageMirror, type PackageCopyProps, type PackageMirrorProps } from "../../src";
import { FileStateStore } from "../../src/engine";
import { srcBundle } from "./app-bundle";
import { FAST_RETRIES, startTestEmulator, Workdir, type TestEmulator } from "./harness";

export const POST_COPY = "POST /packages/{owner}/{repo}/{identifier}/copy/";
export const GET_STATUS = "GET /packages/{owner}/{repo}/{identifier}/status/";
export const POST_RESYNC = "POST /packages/{owner}/{repo}/{identifier}/resync/";

export type Decl =
  { kind: "copy"; id: string; props: PackageCopyProps } | { kind: "mirror"; id: string; props: PackageMirrorProps };

export const npm = (name: string, version = "1.0.0", extra: Record<string, unknown> = {}) => ({
  owner: "acme",
  repository: "staging",
  format: "npm",
  name,
  version,
  ...extra,
});

/** Resets the emulator and seeds acme/staging + acme/prod with `packages` and the global sync config. */
export async function seedPackages(
  t: TestEmulator,
  packages: Record<string, unknown>[],
  packageSync: Record<string, unknown> = { durationMs: 300 },
): Promise<void> {
  await t.reseed({
    repositories: [
      { owner: "acme", slug: "staging" },
      { owner: "acme", slug: "prod" },
    ],
    packageSync,
    packages,
  });
}

/** Every package of a repository as the emulator holds it (with hidden counters: status_reads, sync_phase). */
export async function packagesIn(t: TestEmulator, repo: string): Promise<any[]> {
  const state = await t.admin("GET", "/state");
  return ((state.packages ?? []) as any[]).filter((p) => p.owner === "acme" && p.repository === repo);
}

export const routeCount = (t: TestEmulator, route: string) => t.emu.stats().requests.byRoute[route] ?? 0;

/** A scratch directory with an in-process synthesized app and a file state store. */
export class PackageApp {
  readonly dir = mkdtempSync(path.join(tmpdir(), "reposmith-pkg-"));
  readonly store = new FileStateStore(path.join(this.dir, "state"));
  get outdir(): string {
    return path.join(this.dir, "cdktf.out");
  }

  synth(decls: Decl[]): string {
    const app = new App({ outdir: this.outdir });
    const stack = new TerraformStack(app, "app");
    for (const d of decls) {
      if (d.kind === "copy") new PackageCopy(stack, d.id, d.props);
      else new PackageMirror(stack, d.id, d.props);
    }
    app.synth();
    return this.outdir;
  }

  async state(): Promise<Record<string, any>> {
    return (await this.store.read("app")).resources;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The prelude of an in-process package engine test file: one emulator for the file, a scratch
 * PackageApp per test, and the engine options that use both.
 */
export function packageEngineFixture(): {
  readonly t: TestEmulator;
  readonly app: PackageApp;
  opts(): { outdir: string; store: FileStateStore; env: NodeJS.ProcessEnv; clientOptions: typeof FAST_RETRIES };
} {
  let t: TestEmulator;
  let app: PackageApp;
  beforeAll(async () => {
    t = await startTestEmulator([]);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    app = new PackageApp();
  });
  afterEach(() => app.cleanup());
  return {
    get t() {
      return t;
    },
    get app() {
      return app;
    },
    opts: () => ({ outdir: app.outdir, store: app.store, env: t.env, clientOptions: FAST_RETRIES }),
  };
}

/** A throw-away CLI project whose app declares the PackageCopy/PackageMirror constructs listed in decls.json. */
export class PackageWorkdir extends Workdir {
  constructor() {
    super();
    writeFileSync(
      path.join(this.dir, "app.js"),
      `const { App, TerraformStack } = require("cdktf");
const { readFileSync } = require("node:fs");
const { PackageCopy, PackageMirror } = require(${JSON.stringify(srcBundle())});
const app = new App();
const stack = new TerraformStack(app, "app");
for (const d of JSON.parse(readFileSync(__dirname + "/decls.json", "utf8"))) {
  if (d.kind === "copy") new PackageCopy(stack, d.id, d.props);
  else new PackageMirror(stack, d.id, d.props);
}
app.synth();
`,
    );
    this.packages([]);
  }

  packages(decls: Decl[]): void {
    writeFileSync(path.join(this.dir, "decls.json"), JSON.stringify(decls));
  }
}
