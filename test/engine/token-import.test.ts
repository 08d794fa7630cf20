/** `reposmith import` and `reposmith token` (readSecret) of entitlement tokens, in process against the emulator. */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { FileStateStore, importResource, planAll, readSecret } from "../../src/engine";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-import-");

function app(declare: (stack: TerraformStack) => void) {
  const outdir = path.join(fx.dir, "cdktf.out");
  const a = new App({ outdir });
  declare(new TerraformStack(a, "app"));
  a.synth();
  const store = new FileStateStore(path.join(fx.dir, "state"));
  return { outdir, store, env: fx.t.env, clientOptions: FAST_RETRIES };
}

const byName = async (name: string) => (await fx.t.tokens("acme", "prod")).find((x) => x.name === name);

describe("import of an EntitlementToken", () => {
  it("records the token, tags it for adoption keeping its own metadata, and the next plan has nothing to do", async () => {
    const made = await fx.t.api("POST", "/entitlements/acme/prod/", { name: "legacy", metadata: { team: "web" } });
    expect(made.status).toBe(201);
    const opts = app(
      (s) =>
        new EntitlementToken(s, "legacy", {
          owner: "acme",
          repository: "prod",
          name: "legacy",
          metadata: { team: "web" },
        }),
    );
    const id = `acme.prod.${made.body.slug_perm}`;

    await expect(importResource(opts, "app/legacy", id)).resolves.toEqual({
      kind: "EntitlementToken",
      id,
      notices: [],
    });
    const token = await byName("legacy");
    expect(token.metadata).toEqual({ team: "web", "managed-by": "reposmith", key: "app/legacy" });
    const state = await opts.store.read("app");
    expect(state.resources["app/legacy"]).toMatchObject({ kind: "EntitlementToken", id, observed: { name: "legacy" } });
    expect(JSON.stringify(state)).not.toContain(token.token);
    expect((await planAll(opts)).plan.stacks[0].resources.map((r) => r.action)).toEqual(["noop"]);

    // The secret is read from the API on demand, never from state.
    await expect(readSecret(opts, "app/legacy")).resolves.toBe(token.token);
  });

  it("refuses a token of another repository than the one declared, writing nothing", async () => {
    const opts = app((s) => new EntitlementToken(s, "ci", { owner: "acme", repository: "prod", name: "ci" }));
    const writes = await fx.t.writes();
    await expect(importResource(opts, "app/ci", "acme.staging.T1")).rejects.toThrow(
      "acme.staging.T1 is in acme/staging, but app/ci declares acme/prod",
    );
    expect(await fx.t.writes()).toBe(writes);
    expect((await opts.store.read("app")).resources).toEqual({});
  });

  it("imports the default token without tagging it (it is found by its default flag)", async () => {
    const def = (await fx.t.tokens("acme", "prod")).find((x) => x.default);
    expect(def).toBeDefined();
    const opts = app((s) => EntitlementToken.forDefaultToken(s, "default", { owner: "acme", repository: "prod" }));
    const writes = await fx.t.writes();
    const id = `acme.prod.${def.slug_perm}`;
    await expect(importResource(opts, "app/default", id)).resolves.toMatchObject({ id });
    expect(await fx.t.writes()).toBe(writes);
    expect((await byName(def.name)).metadata).toEqual(def.metadata);
  });

  it("readSecret names a key that is not in state", async () => {
    const opts = app((s) => new EntitlementToken(s, "ci", { owner: "acme", repository: "prod", name: "ci" }));
    await expect(readSecret(opts, "app/ci")).rejects.toThrow('app/ci is not in state (see "reposmith state list")');
  });
});
