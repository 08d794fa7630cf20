/**
 * /_emulator/cloudsmith/settings (the strictness switches are in cloudsmith-settings.test.ts): read-after-write lag (a fresh copy's status, a new token, an
 * enable/disable) and what entitlements_sync copies, each switchable and off by default.
 */
import { Harness, startHarness } from "./helpers";

let h: Harness;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
  await h.admin("POST", "/seed", {
    repositories: [
      { owner: "acme", slug: "staging" },
      { owner: "acme", slug: "prod" },
    ],
    tokens: [{ owner: "acme", repository: "staging", name: "ci", token: "CiSecretValue001", metadata: { team: "qa" } }],
    packageSync: { durationMs: 100 },
    packages: [{ owner: "acme", repository: "staging", format: "npm", name: "left-pad", version: "1.3.0" }],
  });
});

const settings = (body: unknown) => h.admin("POST", "/cloudsmith/settings", body);
const tokens = async (repo: string) =>
  (await h.req("GET", `/entitlements/acme/${repo}/?show_tokens=true`)).body as any[];

describe("cloudsmith settings", () => {
  it("default to no lag and a sync that copies everything; merge partial updates; null and reset restore the defaults", async () => {
    const defaults = {
      fieldErrorStatus: 422,
      missingSlash: "redirect",
      retryAfter: false,
      bareWordSearch: "any-field",
      copyNotFoundMs: 0,
      tokenReadLagMs: 0,
      isActiveLagMs: 0,
      syncCopiesMetadata: true,
      syncCopiesDefault: true,
      syncCopiesToken: true,
      listLagMs: 0,
      patchReadLagMs: 0,
      uniqueTokenNames: true,
      looseAnswers: false,
      tokenListOrder: "name",
      refreshTakesPrivateBroadcasts: true,
    };
    expect((await h.admin("GET", "/cloudsmith/settings")).body).toEqual(defaults);
    expect((await settings({ tokenReadLagMs: 500 })).body).toEqual({ ...defaults, tokenReadLagMs: 500 });
    expect((await settings({ syncCopiesMetadata: false })).body).toEqual({
      ...defaults,
      tokenReadLagMs: 500,
      syncCopiesMetadata: false,
    });
    expect((await settings(null)).body).toEqual(defaults);
    await settings({ isActiveLagMs: 1 });
    await h.admin("POST", "/reset");
    expect((await h.admin("GET", "/cloudsmith/settings")).body).toEqual(defaults);
  });

  it("answer 400 naming each bad or unknown setting, and change nothing", async () => {
    const res = await h.adminRaw("POST", "/cloudsmith/settings", {
      copyNotFoundMs: -1,
      syncCopiesToken: "no",
      retryAfterSeconds: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({
      copyNotFoundMs: ["Must be a number >= 0 (milliseconds)."],
      syncCopiesToken: ["Must be one of true, false."],
      retryAfterSeconds: [expect.stringMatching(/^Unknown setting/)],
    });
    expect((await h.admin("GET", "/cloudsmith/settings")).body.copyNotFoundMs).toBe(0);
  });

  it("copyNotFoundMs: a fresh copy's status and read answer 404 for that long, while the list shows it", async () => {
    await settings({ copyNotFoundMs: 400 });
    const [src] = (await h.req("GET", "/packages/acme/staging/")).body;
    const copied = await h.req("POST", `/packages/acme/staging/${src.slug_perm}/copy/`, {
      body: { destination: "prod" },
    });
    expect(copied.status).toBe(200);
    const slug = copied.body.slug_perm;
    expect((await h.req("GET", `/packages/acme/prod/${slug}/status/`)).status).toBe(404);
    expect((await h.req("GET", `/packages/acme/prod/${slug}/`)).body).toEqual({ detail: "Not found." });
    expect((await h.req("GET", "/packages/acme/prod/")).body.map((p: any) => p.slug_perm)).toEqual([slug]);
    // The source, which was not just copied, reads as usual.
    expect((await h.req("GET", `/packages/acme/staging/${src.slug_perm}/status/`)).status).toBe(200);
    await sleep(450);
    expect((await h.req("GET", `/packages/acme/prod/${slug}/status/`)).status).toBe(200);
    const state = (await h.admin("GET", "/state")).body;
    expect(state.packages.find((p: any) => p.slug_perm === slug).status_reads).toBe(2);
  });

  it("tokenReadLagMs: a new token's own routes answer 404 for that long, while the list shows it", async () => {
    await settings({ tokenReadLagMs: 400 });
    const created = await h.req("POST", "/entitlements/acme/prod/", { body: { name: "fresh" } });
    expect(created.status).toBe(201);
    const item = `/entitlements/acme/prod/${created.body.slug_perm}/`;
    expect((await h.req("GET", item)).status).toBe(404);
    expect(
      (await h.req("POST", `${item}toggle-private-broadcasts/`, { body: { access_private_broadcasts: true } })).status,
    ).toBe(404);
    expect((await tokens("prod")).map((t) => t.name)).toEqual(["Default", "fresh"]);
    await sleep(450);
    expect((await h.req("GET", item)).status).toBe(200);
    expect(
      (await h.req("POST", `${item}toggle-private-broadcasts/`, { body: { access_private_broadcasts: true } })).status,
    ).toBe(200);
  });

  it("isActiveLagMs: an enable or disable shows in reads and lists only that long after", async () => {
    await settings({ isActiveLagMs: 400 });
    const [, ci] = await tokens("staging");
    const item = `/entitlements/acme/staging/${ci.slug_perm}/`;
    expect((await h.req("POST", `${item}disable/`)).status).toBe(204);
    expect((await h.req("GET", item)).body.is_active).toBe(true);
    expect((await tokens("staging"))[1].is_active).toBe(true);
    await sleep(450);
    expect((await h.req("GET", item)).body.is_active).toBe(false);
    expect((await tokens("staging"))[1].is_active).toBe(false);
    expect((await h.req("GET", "/entitlements/acme/staging/?active=true")).body.map((t: any) => t.name)).toEqual([
      "Default",
    ]);
  });

  it("syncCopies*: the copies carry the source's metadata, default flag and secret, or not", async () => {
    const synced = async () => {
      expect((await h.req("POST", "/entitlements/acme/prod/sync/", { body: { source: "staging" } })).status).toBe(200);
      return Object.fromEntries((await tokens("prod")).map((t) => [t.name, t]));
    };
    const all = await synced();
    expect(all.ci).toMatchObject({ metadata: { team: "qa" }, token: "CiSecretValue001", default: false });
    expect(all.Default.default).toBe(true);

    await settings({ syncCopiesMetadata: false, syncCopiesDefault: false, syncCopiesToken: false });
    const none = await synced();
    expect(none.ci.metadata).toBeNull();
    expect(none.ci.token).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(none.ci.token).not.toBe("CiSecretValue001");
    expect(none.Default.default).toBe(false);
    // Everything documented as the token's configuration is still copied.
    expect(none.ci).toMatchObject({
      name: "ci",
      is_active: true,
      limit_bandwidth_unit: "Byte",
      scheduled_reset_period: "Never Reset",
    });
    // The source is untouched.
    expect((await tokens("staging"))[1]).toMatchObject({ metadata: { team: "qa" }, token: "CiSecretValue001" });
  });
});
