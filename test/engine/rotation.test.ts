import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { startTestEmulator, type TestEmulator } from "../helpers/harness";
import { planGetEach } from "../../bench/get-each";

let t: TestEmulator;
let dir: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-rot-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("rotation by maxAge", () => {
  it("rotates only when the token is older than maxAge, as judged by the injected clock", async () => {
    const outdir = path.join(dir, "out");
    const app = new App({ outdir });
    new EntitlementToken(new TerraformStack(app, "app"), "ci", {
      owner: "acme",
      repository: "prod",
      name: "ci",
      rotation: { maxAge: "30d" },
    });
    app.synth();
    const store = new FileStateStore(path.join(dir, "state"));
    const start = Date.now();
    const at = (days: number) => ({ outdir, store, env: t.env, now: () => new Date(start + days * DAY) });
    const actionAt = async (days: number) => (await planAll(at(days))).plan.stacks[0].resources[0];

    await applyAll(at(0));
    const { slug_perm, token: v0 } = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
    expect((await actionAt(29)).action).toBe("noop");
    const due = await actionAt(31);
    expect(due.action).toBe("update");
    expect(due.changes).toEqual([
      expect.objectContaining({ path: "token", effect: "rotate", new: expect.stringMatching(/older than 30d/) }),
    ]);

    await applyAll(at(31));
    const after = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
    expect(after.slug_perm).toBe(slug_perm);
    expect(after.token).not.toBe(v0);
    expect(t.emu.stats().requests.byRoute["POST /entitlements/{owner}/{repo}/{identifier}/refresh/"]).toBe(1);

    // The clock restarts at the rotation: not due again until 30 days after it.
    expect((await actionAt(32)).action).toBe("noop");
    expect((await actionAt(60)).action).toBe("noop");
    expect((await actionAt(62)).action).toBe("update");
    const stateText = readFileSync(path.join(dir, "state", "app.json"), "utf8");
    expect(stateText).not.toContain(after.token);
    expect(JSON.parse(stateText).resources["app/ci"].observed.rotated_at).toBe(
      new Date(start + 31 * DAY).toISOString(),
    );
  });
});

describe("a limit edit", () => {
  it("updates the token in place: same slug_perm, same secret, no refresh, rotated_at kept", async () => {
    const store = new FileStateStore(path.join(dir, "state"));
    const synth = (limits: Record<string, unknown>) => {
      const outdir = path.join(dir, `out-${Object.keys(limits).join("-") || "none"}`);
      const app = new App({ outdir });
      new EntitlementToken(new TerraformStack(app, "app"), "ci", {
        owner: "acme",
        repository: "prod",
        name: "ci",
        limits,
      });
      app.synth();
      return { outdir, store, env: t.env };
    };
    await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
    await applyAll(synth({ numDownloads: 10 }));
    const before = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
    const stateBefore = JSON.parse(readFileSync(path.join(dir, "state", "app.json"), "utf8"));
    expect(stateBefore.resources["app/ci"].observed.rotated_at).toEqual(expect.any(String));

    const edited = synth({
      numDownloads: 20,
      numClients: 3,
      dateRangeTo: "2030-01-31T00:00:00Z",
      bandwidth: { amount: 5, unit: "Gigabyte" },
      packageQuery: "format:npm",
    });
    const planned = (await planAll(edited)).plan.stacks[0].resources[0];
    expect(planned.action).toBe("update");
    expect(planned.changes.map((c) => c.effect)).not.toContain("rotate");
    await applyAll(edited);

    const after = (await t.tokens("acme", "prod")).find((x) => x.name === "ci");
    expect(after).toMatchObject({
      slug_perm: before.slug_perm,
      token: before.token,
      limit_num_downloads: 20,
      limit_num_clients: 3,
      limit_bandwidth: 5,
      limit_bandwidth_unit: "Gigabyte",
      limit_package_query: "format:npm",
    });
    expect(Date.parse(after.limit_date_range_to)).toBe(Date.parse("2030-01-31T00:00:00Z"));
    const routes = t.emu.stats().requests.byRoute;
    expect(routes["POST /entitlements/{owner}/{repo}/{identifier}/refresh/"] ?? 0).toBe(0);
    expect(routes["PATCH /entitlements/{owner}/{repo}/{identifier}/"]).toBe(1);
    const stateAfter = JSON.parse(readFileSync(path.join(dir, "state", "app.json"), "utf8"));
    expect(stateAfter.resources["app/ci"].observed.rotated_at).toBe(
      stateBefore.resources["app/ci"].observed.rotated_at,
    );
  });
});

describe("rotation and reset triggers", () => {
  const synthWith = (props: Record<string, unknown>, name: string) => {
    const outdir = path.join(dir, `out-${name}`);
    const app = new App({ outdir });
    new EntitlementToken(new TerraformStack(app, "app"), "ci", {
      owner: "acme",
      repository: "prod",
      name: "ci",
      ...props,
    });
    app.synth();
    return { outdir, store: new FileStateStore(path.join(dir, "state")), env: t.env };
  };
  const REFRESH = "POST /entitlements/{owner}/{repo}/{identifier}/refresh/";
  const RESET = "POST /entitlements/{owner}/{repo}/{identifier}/reset/";

  it("a changed rotation trigger refreshes the token; a changed reset trigger zeroes its usage, keeping the secret", async () => {
    await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
    const first = synthWith({ rotation: { triggers: { v: "1" } }, resetTriggers: { month: "01" } }, "1");
    await applyAll(first);
    // Triggers given from the start rotate and reset nothing: there is no earlier value to differ from.
    const routes = () => t.emu.stats().requests.byRoute;
    expect([routes()[REFRESH] ?? 0, routes()[RESET] ?? 0]).toEqual([0, 0]);
    expect((await planAll(first)).plan.stacks[0].resources[0].action).toBe("noop");
    const v0 = (await t.tokens("acme", "prod")).find((x) => x.name === "ci").token;

    const rotate = synthWith({ rotation: { triggers: { v: "2", w: "new" } }, resetTriggers: { month: "01" } }, "2");
    const planned = (await planAll(rotate)).plan.stacks[0].resources[0];
    expect(planned.changes).toEqual([
      expect.objectContaining({
        path: "token",
        effect: "rotate",
        new: '(new value: rotation trigger "v", "w" changed)',
      }),
    ]);
    await applyAll(rotate);
    const v1 = (await t.tokens("acme", "prod")).find((x) => x.name === "ci").token;
    expect(v1).not.toBe(v0);
    expect([routes()[REFRESH], routes()[RESET] ?? 0]).toEqual([1, 0]);

    const reset = synthWith({ rotation: { triggers: { v: "2", w: "new" } }, resetTriggers: { month: "02" } }, "3");
    expect((await planAll(reset)).plan.stacks[0].resources[0].changes).toEqual([
      expect.objectContaining({ path: "usage", effect: "reset", new: '(zeroed: reset trigger "month" changed)' }),
    ]);
    await applyAll(reset);
    expect([routes()[REFRESH], routes()[RESET]]).toEqual([1, 1]);
    expect((await t.tokens("acme", "prod")).find((x) => x.name === "ci").token).toBe(v1);
    expect((await planAll(reset)).plan.stacks[0].resources[0].action).toBe("noop");
  });

  it("the benchmark's GET-each baseline reads a token in state by its slug_perm, not by listing", async () => {
    await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
    const opts = synthWith({}, "get");
    await applyAll(opts);
    const before = { ...t.emu.stats().requests.byRoute };
    expect(await planGetEach(opts)).toEqual({ changed: 0 });
    const after = t.emu.stats().requests.byRoute;
    const delta = (r: string) => (after[r] ?? 0) - (before[r] ?? 0);
    expect(delta("GET /entitlements/{owner}/{repo}/{identifier}/")).toBe(1);
    expect(delta("GET /entitlements/{owner}/{repo}/")).toBe(0);
  });
});
