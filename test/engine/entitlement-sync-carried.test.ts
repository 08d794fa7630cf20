/**
 * EntitlementSync compares only what a sync is documented to carry. What differs right after a
 * sync of ours (the emulator's syncCopies* settings) is reported once as "not carried by the API's
 * sync" and never synced again: every sync wipes the target's tokens.
 */
import path from "node:path";
import { EntitlementSync, EntitlementToken } from "../../src";
import { applyAll, driftAll, FileStateStore } from "../../src/engine";
import { synthApp } from "../helpers/app";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-sync-carried-");
const SYNC = "POST /entitlements/{owner}/{repo}/sync/";

const synth = () =>
  synthApp(fx.dir, (stack) => {
    new EntitlementToken(stack, "ci", {
      owner: "acme",
      repository: "prod",
      name: "ci",
      limits: { numDownloads: 5 },
      metadata: { team: "qa" },
    });
    new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });
  });

const opts = () => ({
  outdir: synth(),
  store: new FileStateStore(path.join(fx.dir, "state")),
  env: fx.t.env,
  clientOptions: FAST_RETRIES,
});
const syncs = () => fx.t.emu.stats().requests.byRoute[SYNC] ?? 0;
const stagingCi = async () => (await fx.t.tokens("acme", "staging")).find((x) => x.name === "ci");

beforeEach(async () => {
  await fx.t.admin("POST", "/seed", { repositories: [{ owner: "acme", slug: "staging" }] });
});

describe("EntitlementSync and what the API's sync carries", () => {
  it("a sync that drops metadata and the default flag: said once after the apply, no drift, never synced again", async () => {
    await fx.t.admin("POST", "/cloudsmith/settings", { syncCopiesMetadata: false, syncCopiesDefault: false });
    const first = await applyAll(opts());
    expect(first.results[0].failed).toEqual([]);
    expect(syncs()).toBe(1);
    expect(first.ctx.notices).toEqual([
      `app/sync: not carried by the API's sync from acme/prod to acme/staging: default (token "Default"), metadata (token "ci"); not compared from now on, so they never cause another sync`,
    ]);
    expect(
      (await new FileStateStore(path.join(fx.dir, "state")).read("app")).resources["app/sync"].observed.not_carried,
    ).toEqual(["default", "metadata"]);

    expect((await driftAll(opts())).items).toEqual([]);
    const second = await applyAll(opts());
    expect(second.results[0].done).toEqual([]);
    expect(second.ctx.notices).toEqual([]);
    expect(syncs()).toBe(1);

    // What a sync is documented to carry is still compared: a limit changed by hand in the target is drift.
    expect(
      (
        await fx.t.api("PATCH", `/entitlements/acme/staging/${(await stagingCi()).slug_perm}/`, {
          limit_num_downloads: 99,
        })
      ).status,
    ).toBe(200);
    const drift = await driftAll(opts());
    expect(drift.items.map((i) => [i.key, i.changes.map((c) => c.path)])).toEqual([["app/sync", ['tokens["ci"]']]]);
    expect((await applyAll(opts())).results[0].failed).toEqual([]);
    expect((await stagingCi()).limit_num_downloads).toBe(5);
    expect(syncs()).toBe(2);
  });

  it("a sync that carries everything: no notice; metadata edited by hand in the target is not compared (not documented as carried)", async () => {
    const first = await applyAll(opts());
    expect(first.results[0].failed).toEqual([]);
    expect(first.ctx.notices).toEqual([]);
    expect((await stagingCi()).metadata).toMatchObject({ team: "qa" });
    expect(
      (
        await fx.t.api("PATCH", `/entitlements/acme/staging/${(await stagingCi()).slug_perm}/`, {
          metadata: { team: "other" },
        })
      ).status,
    ).toBe(200);
    expect((await driftAll(opts())).items).toEqual([]);
    expect(syncs()).toBe(1);
  });
});
