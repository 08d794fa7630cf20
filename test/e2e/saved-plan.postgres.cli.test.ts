/**
 * Saved plans against a real PostgreSQL state (REPOSMITH_STATE=postgres://...): the plan records the
 * serial and lineage PostgreSQL holds, and `apply FILE` checks them there as it does for a file state.
 */
import { cliFixture, reposmith } from "../helpers/harness";
import { nodeApp } from "../helpers/app-bundle";
import { describePostgres, startPostgres, type TestPostgres } from "../helpers/postgres";

const fx = cliFixture();
const ci = { id: "ci", props: { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: 100 } } };
const partner = { id: "partner", props: { owner: "acme", repository: "prod", name: "partner" } };
const managed = async () =>
  (await fx.t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith").map((x) => x.name);

describePostgres("saved plans with the state in PostgreSQL", () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => pg?.stop());

  /** The CLI as CI runs it: the state's location from the environment only, no --state flag. */
  const cli = (...args: string[]) => reposmith(args, { cwd: fx.w.dir, env: { ...fx.t.env, REPOSMITH_STATE: pg.url } });
  const app = ["--app", nodeApp("app.js"), "--output", "cdktf.out"];

  it("applies a saved plan once, and refuses it (no change) when another apply moved the serial", async () => {
    fx.w.declare([ci]);
    expect((await cli("plan", "--out", "one.plan", ...app)).code).toBe(0);
    const first = await cli("apply", "one.plan");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./);
    expect(await managed()).toEqual(["ci"]);

    const writes = await fx.t.writes();
    const again = await cli("apply", "one.plan");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the saved plan is stale: the state of stack "app" changed since the plan was made/);
    expect(await fx.t.writes()).toBe(writes);

    // A plan made, then another apply (state rm here) before it: refused, nothing sent.
    fx.w.declare([ci, partner]);
    expect((await cli("plan", "--out", "two.plan", ...app)).code).toBe(0);
    expect((await cli("state", "rm", "app/ci")).code).toBe(0);
    const stale = await cli("apply", "two.plan");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/serial \d+, the plan read serial \d+/);
    expect(stale.stderr).toMatch(/Nothing was changed/);
    expect(await fx.t.writes()).toBe(writes);
    expect(await managed()).toEqual(["ci"]);

    // The state in PostgreSQL is what `state list` shows: app/ci was removed from it.
    const list = await cli("state", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(/app\/ci/);
  }, 120_000);
});
