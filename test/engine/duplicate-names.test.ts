/**
 * Item 2 of issue 27: repositories where token names are not unique (the emulator's
 * uniqueTokenNames off; cloudsmith-cli: uniqueness "may not apply to older repositories"). A
 * declared token is found only by its tag or its state id, never by its name alone; a create is
 * not predicted to fail for its name, nor is a refusal explained as a taken name; and a sync
 * compares two tokens of one name as two.
 */
import path from "node:path";
import { EntitlementSync, EntitlementToken } from "../../src";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { synthApp } from "../helpers/app";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-dupes-");
const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const store = (name = "state") => new FileStateStore(path.join(fx.dir, name));
const opts = (outdir: string, state = "state") => ({
  outdir,
  store: store(state),
  env: fx.t.env,
  clientOptions: FAST_RETRIES,
});
const declare = (names: string[]) =>
  synthApp(fx.dir, (stack) => {
    for (const name of names) new EntitlementToken(stack, name, { owner: "acme", repository: "prod", name });
  });
const named = async (name: string) => (await fx.t.tokens("acme", "prod")).filter((t) => t.name === name);

beforeEach(async () => {
  await fx.t.admin("POST", "/cloudsmith/settings", { uniqueTokenNames: false });
  await fx.t.admin("POST", "/seed", {
    tokens: [
      { owner: "acme", repository: "prod", name: "ci", limit_num_clients: 1 },
      { owner: "acme", repository: "prod", name: "ci", limit_num_clients: 2 },
    ],
  });
});

describe("where names repeat", () => {
  it("a declared token of a name two others have is created, with no 'will fail' prediction, and they are left alone", async () => {
    const outdir = declare(["ci"]);
    const others = await named("ci");
    const { plan } = await planAll(opts(outdir));
    expect(plan.stacks[0].resources[0]).toMatchObject({ action: "create" });
    expect(plan.stacks[0].resources[0].blockedBy).toBeUndefined();
    expect(plan.stacks[0].resources[0].notice).toBeUndefined();
    expect(failuresOf(await applyAll(opts(outdir)))).toEqual([]);
    const after = await named("ci");
    expect(after).toHaveLength(3);
    for (const o of others) expect(after).toContainEqual(o);
    expect((await planAll(opts(outdir))).plan.stacks[0].resources[0].action).toBe("noop");
  });

  it("a create refused for its name is not explained as a taken name", async () => {
    await fx.t.admin("POST", "/faults", {
      rules: [
        {
          method: "POST",
          path: "^/entitlements/acme/prod/$",
          status: 422,
          body: JSON.stringify({
            detail: "Invalid input.",
            fields: { name: ["Ensure this field has no more than 50 characters."] },
          }),
        },
      ],
    });
    const run = await applyAll(opts(declare(["ci"])));
    const [failure] = failuresOf(run);
    expect(String((failure.error as Error).message)).toMatch(/422 Invalid input\. \(name: Ensure this field/);
    expect(String((failure.error as Error).message)).not.toMatch(/already exists|reposmith import/);
  });

  it("a token is found by its tag (never by its name alone): lost state adopts the tagged one, not the older namesake", async () => {
    const outdir = declare(["ci"]);
    expect(failuresOf(await applyAll(opts(outdir)))).toEqual([]);
    const tagged = (await named("ci")).find((t) => t.metadata?.key === "app/ci");
    const { plan } = await planAll(opts(outdir, "lost-state"));
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "adopt",
      observed: { id: `acme.prod.${tagged.slug_perm}` },
    });
  });

  it("a removed token is deleted by its state id: its namesakes stay", async () => {
    expect(failuresOf(await applyAll(opts(declare(["ci"]))))).toEqual([]);
    const others = (await named("ci")).filter((t) => t.metadata?.key !== "app/ci");
    expect(failuresOf(await applyAll(opts(declare([]))))).toEqual([]);
    expect(await named("ci")).toEqual(others);
  });

  it("an EntitlementSync compares two tokens of one name as two: one of them gone from the target is drift", async () => {
    await fx.t.admin("POST", "/seed", { repositories: [{ owner: "acme", slug: "dev" }] });
    const outdir = synthApp(
      fx.dir,
      (stack) =>
        new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "dev", replaceTargetTokens: true }),
    );
    expect(failuresOf(await applyAll(opts(outdir)))).toEqual([]);
    const copies = (await fx.t.tokens("acme", "dev")).filter((t) => t.name === "ci");
    expect(copies.map((t) => t.limit_num_clients).sort()).toEqual([1, 2]);
    expect((await planAll(opts(outdir))).plan.stacks[0].resources[0].action).toBe("noop");
    // The older copy goes: the one left is the copy of the source's last "ci".
    await fx.t.api("DELETE", `/entitlements/acme/dev/${copies[0].slug_perm}/`);
    const { plan } = await planAll(opts(outdir));
    expect(plan.stacks[0].resources[0]).toMatchObject({
      action: "update",
      changes: [expect.objectContaining({ path: 'tokens["ci"]' })],
    });
  });
});
