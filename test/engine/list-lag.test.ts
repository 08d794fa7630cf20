/**
 * Item 3 of issue 27: lag after writes (the emulator's listLagMs: a new or changed object shows in
 * lists only later; patchReadLagMs: a read answers the version before a PATCH). A write whose
 * answer was lost is never sent twice while the list lags, and a plan right after an apply shows no
 * drift that the lag made.
 */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementSync, EntitlementToken, PackageCopy, PackageMirror } from "../../src";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { FAST_RETRIES, startTestEmulator, type TestEmulator } from "../helpers/harness";
import { npm, packagesIn, POST_COPY, routeCount, seedPackages } from "../helpers/packages";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

const LAG_MS = 1_200;
const POST_CREATE = "POST /entitlements/{owner}/{repo}/";

let t: TestEmulator;
let dir: string;
beforeAll(async () => {
  t = await startTestEmulator([]);
});
afterAll(() => t.close());
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-lag-"));
  await seedPackages(t, [npm("left-pad", "1.3.0"), npm("is-odd", "2.0.0")], { durationMs: 100 });
  await t.admin("POST", "/seed", {
    repositories: [{ owner: "acme", slug: "dev" }],
    tokens: [{ owner: "acme", repository: "staging", name: "qa" }],
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const opts = (extra: Record<string, unknown> = {}) => ({
  outdir: path.join(dir, "cdktf.out"),
  store: new FileStateStore(path.join(dir, "state")),
  env: t.env,
  clientOptions: FAST_RETRIES,
  ...extra,
});
const synth = (build: (stack: TerraformStack) => void) => {
  const app = new App({ outdir: path.join(dir, "cdktf.out") });
  build(new TerraformStack(app, "app"));
  app.synth();
};
const token = (stack: TerraformStack, props: Record<string, unknown> = {}) =>
  new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", ...props });
const lag = (body: Record<string, number>) => t.admin("POST", "/cloudsmith/settings", body);
const planned = async (extra: Record<string, unknown> = {}) =>
  (await planAll(opts(extra))).plan.stacks.flatMap((s) =>
    s.resources.map((r) => [r.key, r.action, r.changes.map((c) => c.path)]),
  );

describe("a write whose answer was lost, under list lag", () => {
  it("a token create answered 500 after it acted is found once the list catches up, not sent again", async () => {
    await lag({ listLagMs: LAG_MS });
    await t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "^/entitlements/acme/prod/$", status: 500, afterHandler: true, times: 1 }],
    });
    synth((stack) => token(stack));
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
    expect((await t.tokens("acme", "prod")).filter((x) => x.name === "ci")).toHaveLength(1);
  });

  it("a token create that timed out after it acted is found once the list catches up, not sent again", async () => {
    await lag({ listLagMs: LAG_MS });
    await t.admin("POST", "/faults", {
      rules: [
        {
          method: "POST",
          path: "^/entitlements/acme/prod/$",
          pass: true,
          delayMs: 1_000,
          afterHandler: true,
          times: 1,
        },
      ],
    });
    synth((stack) => token(stack));
    expect(failuresOf(await applyAll(opts({ clientOptions: { ...FAST_RETRIES, timeoutMs: 300 } })))).toEqual([]);
    expect(t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
    expect((await t.tokens("acme", "prod")).filter((x) => x.name === "ci")).toHaveLength(1);
  });

  it("a package copy answered 503 after it acted is found once the list catches up, not sent again", async () => {
    await lag({ listLagMs: LAG_MS });
    await t.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "/copy/?$", status: 503, afterHandler: true, times: 1 }],
    });
    synth(
      (stack) =>
        new PackageCopy(stack, "promote", {
          source: {
            owner: "acme",
            repository: "staging",
            package: { format: "npm", name: "left-pad", version: "1.3.0" },
          },
          destination: "prod",
        }),
    );
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(routeCount(t, POST_COPY)).toBe(1);
    expect(await packagesIn(t, "prod")).toHaveLength(1);
  });
});

describe("a plan right after an apply shows no drift the lag made", () => {
  it("list lag: a token just created, then one just patched, disabled and toggled", async () => {
    await lag({ listLagMs: LAG_MS });
    synth((stack) => token(stack));
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(await planned()).toEqual([["app/ci", "noop", []]]);
    await new Promise((r) => setTimeout(r, LAG_MS));
    synth((stack) => token(stack, { enabled: false, privateBroadcasts: true, limits: { numDownloads: 5 } }));
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(await planned()).toEqual([["app/ci", "noop", []]]);
    expect(t.emu.stats().requests.byRoute[POST_CREATE]).toBe(1);
  });

  it("list lag: a copy and a mirror just made are not copied again", async () => {
    await lag({ listLagMs: LAG_MS });
    synth((stack) => {
      new PackageCopy(stack, "promote", {
        source: {
          owner: "acme",
          repository: "staging",
          package: { format: "npm", name: "left-pad", version: "1.3.0" },
        },
        destination: "prod",
      });
      new PackageMirror(stack, "all", { source: { owner: "acme", repository: "staging" }, destination: "dev" });
    });
    expect(failuresOf(await applyAll(opts()))).toEqual([]);
    expect(await planned()).toEqual([
      ["app/all", "noop", []],
      ["app/promote", "noop", []],
    ]);
    expect(routeCount(t, POST_COPY)).toBe(3);
  });

  it("list lag: a sync of this apply's new source token records nothing as 'not carried' and then plans nothing", async () => {
    await lag({ listLagMs: LAG_MS });
    synth((stack) => {
      new EntitlementToken(stack, "ops", { owner: "acme", repository: "staging", name: "ops" });
      new EntitlementSync(stack, "sync", {
        owner: "acme",
        source: "staging",
        target: "dev",
        replaceTargetTokens: true,
      });
    });
    const notices: string[] = [];
    expect(failuresOf(await applyAll(opts({ onNotice: (n: string) => notices.push(n) })))).toEqual([]);
    expect(notices.filter((n) => /not carried/.test(n))).toEqual([]);
    expect((await t.tokens("acme", "dev")).map((x) => x.name).sort()).toEqual(["Default", "ops", "qa"]);
    expect(await planned()).toEqual([
      ["app/ops", "noop", []],
      ["app/sync", "noop", []],
    ]);
  });
});
