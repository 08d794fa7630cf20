/**
 * Item 1 of issue 27: tolerant reads. With the emulators' looseAnswers setting on, every field
 * reposmith does not manage comes back null, missing or of another type, next to a field no spec
 * has; the token, sync, copy and mirror scenarios still apply and then plan nothing. A managed
 * field that is malformed fails that one object (naming it and the field), never its whole list.
 */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementSync, EntitlementToken, RepositoryMirror } from "../../src";
import { applyAll, FileStateStore, planAll, PlanError } from "../../src/engine";
import { FAST_RETRIES, startTestEmulator, type TestEmulator } from "../helpers/harness";
import { npm, PackageApp, packagesIn, POST_COPY, routeCount, seedPackages } from "../helpers/packages";
import { startCodeArtsEmulator, SOURCE_URL, type CodeArtsTestEmulator } from "../helpers/codearts";

/** A PackageCopy of staging's left-pad 1.3.0 to prod. */
const PROMOTE_LEFT_PAD = {
  kind: "copy",
  id: "promote",
  props: {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
  },
} as const;
const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const actions = async (opts: Parameters<typeof planAll>[0]) =>
  (await planAll(opts)).plan.stacks.flatMap((s) => s.resources.map((r) => [r.key, r.action]));

describe("Cloudsmith with looseAnswers on", () => {
  let t: TestEmulator;
  let app: PackageApp;
  beforeAll(async () => {
    t = await startTestEmulator([]);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    app = new PackageApp();
    await seedPackages(t, [
      npm("left-pad", "1.3.0", { tags: ["release"] }),
      npm("is-odd", "2.0.0", { tags: ["release"] }),
    ]);
    await t.admin("POST", "/seed", { repositories: [{ owner: "acme", slug: "dev" }] });
    await t.admin("POST", "/cloudsmith/settings", { looseAnswers: true });
  });
  afterEach(() => app.cleanup());

  const opts = () => ({ outdir: app.outdir, store: app.store, env: t.env, clientOptions: FAST_RETRIES });
  const synth = (build: (stack: TerraformStack) => void) => {
    const a = new App({ outdir: app.outdir });
    build(new TerraformStack(a, "app"));
    a.synth();
  };

  it("the setting is on: unmanaged token and package fields come back null, missing or retyped, with a new field", async () => {
    const [token] = (await t.api("GET", "/entitlements/acme/prod/")).body;
    expect(token).toMatchObject({ created_by: null, usage: null, self_url: null, identifier: expect.any(String) });
    expect(token).not.toHaveProperty("enable_url");
    expect(token.emulator_field_from_a_later_version).toBeDefined();
    const [pkg] = (await t.api("GET", "/packages/acme/staging/")).body;
    expect(pkg).toMatchObject({ tags: expect.any(Array), stage: expect.any(String), uploaded_at: null });
  });

  it("tokens (one with limits, the default token): apply, plan nothing, change one, plan nothing, destroy", async () => {
    const declare = (downloads: number) =>
      synth((stack) => {
        new EntitlementToken(stack, "ci", {
          owner: "acme",
          repository: "prod",
          name: "ci",
          enabled: false,
          privateBroadcasts: true,
          metadata: { team: "ci" },
          limits: { numDownloads: downloads, dateRangeTo: "2030-01-01T00:00:00Z", bandwidth: { amount: 5 } },
        });
        EntitlementToken.forDefaultToken(stack, "default", {
          owner: "acme",
          repository: "prod",
          limits: { numClients: 3 },
        });
      });
    declare(10);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(await actions(opts())).toEqual([
      ["app/ci", "noop"],
      ["app/default", "noop"],
    ]);
    declare(20);
    expect(await actions(opts())).toEqual([
      ["app/ci", "update"],
      ["app/default", "noop"],
    ]);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(await actions(opts())).toEqual([
      ["app/ci", "noop"],
      ["app/default", "noop"],
    ]);
    expect((await t.tokens("acme", "prod")).find((x) => x.name === "ci")).toMatchObject({
      limit_num_downloads: 20,
      is_active: false,
      access_private_broadcasts: true,
    });
    expect(failuresOf(await applyAll(opts(), { destroy: true }))).toEqual([]);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).toEqual(["Default"]);
  });

  it("an EntitlementSync: apply copies the source's tokens, then plans nothing", async () => {
    await t.admin("POST", "/seed", {
      tokens: [
        { owner: "acme", repository: "staging", name: "qa", limit_num_clients: 2 },
        { owner: "acme", repository: "staging", name: "ops" },
      ],
    });
    synth(
      (stack) =>
        new EntitlementSync(stack, "sync", {
          owner: "acme",
          source: "staging",
          target: "dev",
          replaceTargetTokens: true,
        }),
    );
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect((await t.tokens("acme", "dev")).map((x) => x.name).sort()).toEqual(["Default", "ops", "qa"]);
    expect(await actions(opts())).toEqual([["app/sync", "noop"]]);
  });

  it("a PackageCopy and a PackageMirror: apply copies and waits, then plans nothing", async () => {
    app.synth([
      PROMOTE_LEFT_PAD,
      {
        kind: "mirror",
        id: "releases",
        props: { source: { owner: "acme", repository: "staging" }, destination: "dev" },
      },
    ]);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect((await packagesIn(t, "prod")).map((p) => [p.name, p.sync_phase])).toEqual([["left-pad", "completed"]]);
    expect((await packagesIn(t, "dev")).map((p) => p.name).sort()).toEqual(["is-odd", "left-pad"]);
    expect(await actions(opts())).toEqual([
      ["app/promote", "noop"],
      ["app/releases", "noop"],
    ]);
    expect(routeCount(t, POST_COPY)).toBe(3);
  });
});

describe("CodeArts with looseAnswers on", () => {
  let ca: CodeArtsTestEmulator;
  let app: PackageApp;
  beforeAll(async () => {
    ca = await startCodeArtsEmulator();
  });
  afterAll(() => ca.close());
  beforeEach(async () => {
    app = new PackageApp();
    await ca.admin("POST", "/codearts/settings", { looseAnswers: true });
  });
  afterEach(() => app.cleanup());

  it("a RepositoryMirror: apply associates and syncs, then plans nothing", async () => {
    const a = new App({ outdir: app.outdir });
    new RepositoryMirror(new TerraformStack(a, "app"), "mirror", {
      repositoryId: 124,
      sourceUrl: SOURCE_URL.replace("app", "public"),
    });
    a.synth();
    const opts = { outdir: app.outdir, store: app.store, env: ca.env, codeartsOptions: { retryBaseMs: 5 } };
    expect(failuresOf(await applyAll(opts))).toEqual([]);
    expect((await ca.mirror(124)).last_successful_update_at).toBeTruthy();
    expect(await actions(opts)).toEqual([["app/mirror", "noop"]]);
  });
});

describe("a malformed managed field fails that one object", () => {
  let t: TestEmulator;
  let dir: string;
  beforeAll(async () => {
    t = await startTestEmulator([]);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    dir = new PackageApp().dir;
    await t.reseed({
      repositories: [{ owner: "acme", slug: "prod" }],
      tokens: [{ owner: "acme", repository: "prod", name: "other" }],
    });
  });
  const outdir = () => path.join(dir, "cdktf.out");
  const opts = () => ({
    outdir: outdir(),
    store: new FileStateStore(path.join(dir, "state")),
    env: t.env,
    clientOptions: FAST_RETRIES,
  });
  const declare = (names: string[]) => {
    const a = new App({ outdir: outdir() });
    const stack = new TerraformStack(a, "app");
    for (const name of names) new EntitlementToken(stack, name, { owner: "acme", repository: "prod", name });
    a.synth();
  };
  /** From now on the list answers as it is, but with `name`'s limit_num_clients a string. */
  const malform = async (name: string) => {
    const list = (await t.api("GET", "/entitlements/acme/prod/?page_size=500")).body as any[];
    const body = JSON.stringify(list.map((x) => (x.name === name ? { ...x, limit_num_clients: "ten" } : x)));
    await t.admin("POST", "/faults", {
      rules: [{ method: "GET", path: "^/entitlements/acme/prod/$", status: 200, body, times: 50 }],
    });
    return list.find((x) => x.name === name).slug_perm as string;
  };

  it("a malformed token of the same repository that is not declared changes nothing for the others", async () => {
    declare(["ci", "deploy"]);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    await malform("other");
    expect(await actions(opts())).toEqual([
      ["app/ci", "noop"],
      ["app/deploy", "noop"],
    ]);
  });

  it("a declared token that comes back malformed fails alone, naming it and the field; the other is planned", async () => {
    declare(["ci", "deploy"]);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    const slug = await malform("ci");
    const err = await planAll(opts()).catch((e) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect((err as PlanError).failures.map((f) => [f.key, (f.error as Error).message])).toEqual([
      [
        "app/ci",
        `acme/prod token "ci" (${slug}) came back malformed (limit_num_clients: a string, expected number); ` +
          "reposmith does not compare or change it until it reads back as documented: check it in Cloudsmith",
      ],
    ]);
  });

  it("a malformed token that may be the one declared is not created again beside it", async () => {
    await t.admin("POST", "/seed", { tokens: [{ owner: "acme", repository: "prod", name: "ci" }] });
    const writes = await t.writes();
    await malform("ci");
    declare(["ci"]);
    const err = await planAll(opts()).catch((e) => e);
    expect((err as PlanError).failures.map((f) => f.key)).toEqual(["app/ci"]);
    expect(await t.writes()).toBe(writes);
  });
});

describe("a malformed package", () => {
  let t: TestEmulator;
  let app: PackageApp;
  beforeAll(async () => {
    t = await startTestEmulator([]);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    app = new PackageApp();
    await seedPackages(t, [npm("left-pad", "1.3.0"), npm("is-odd", "2.0.0"), npm("broken", "0.1.0")]);
    const list = (await t.api("GET", "/packages/acme/staging/?page_size=500")).body as any[];
    const body = JSON.stringify(list.map((p) => (p.name === "broken" ? { ...p, is_sync_completed: "yes" } : p)));
    await t.admin("POST", "/faults", {
      rules: [{ method: "GET", path: "^/packages/acme/staging/$", status: 200, body, times: 50 }],
    });
  });
  afterEach(() => app.cleanup());
  const opts = () => ({ outdir: app.outdir, store: app.store, env: t.env, clientOptions: FAST_RETRIES });

  it("is left out of a mirror, which says so and mirrors the rest", async () => {
    app.synth([
      { kind: "mirror", id: "all", props: { source: { owner: "acme", repository: "staging" }, destination: "prod" } },
    ]);
    const notices: string[] = [];
    expect(failuresOf(await applyAll({ ...opts(), onNotice: (n) => notices.push(n) }))).toEqual([]);
    expect((await packagesIn(t, "prod")).map((p) => p.name).sort()).toEqual(["is-odd", "left-pad"]);
    expect(notices).toContainEqual(
      expect.stringMatching(
        /^app\/all: left out: npm broken 0\.1\.0 in acme\/staging \(\w+\) came back malformed \(is_sync_completed: a string, expected boolean\)/,
      ),
    );
  });

  it("does not stop a copy of another package from the same repository", async () => {
    app.synth([PROMOTE_LEFT_PAD]);
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect((await packagesIn(t, "prod")).map((p) => p.name)).toEqual(["left-pad"]);
  });
});
