/** Entitlement token lifecycle: create, read, update, delete, secrets, refresh, actions. */
import { Harness, startHarness } from "./helpers";

const MASK = "************";
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());

const base = "/entitlements/acme/prod/";
async function create(body: Record<string, unknown>, query = "") {
  const res = await h.req("POST", `${base}${query}`, { body });
  expect(res.status).toBe(201);
  return res.body;
}
async function state(slugPerm: string) {
  const dump = (await h.admin("GET", "/state")).body;
  return dump.tokens.find((t: { slug_perm: string }) => t.slug_perm === slugPerm);
}

describe("repositories", () => {
  it("start with one Default token", async () => {
    const res = await h.req("GET", "/entitlements/acme/staging/");
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({ name: "Default", default: true, is_active: true });
  });

  it("answer 404 for an unknown owner or repository", async () => {
    expect((await h.req("GET", "/entitlements/nobody/prod/")).status).toBe(404);
    expect((await h.req("POST", "/entitlements/acme/nope/", { body: { name: "x" } })).status).toBe(404);
  });
});

describe("create", () => {
  it("generates a 16-character alphanumeric secret and a 12-character slug_perm", async () => {
    const t = await create({ name: "gen" }, "?show_tokens=true");
    expect(t.token).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(t.slug_perm).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(t).toMatchObject({
      default: false,
      access_private_broadcasts: false,
      user: null,
      eula_accepted: null,
      metadata: null,
      limit_bandwidth_unit: "Byte",
      scheduled_reset_period: "Never Reset",
      usage: "0 downloads, 0 clients",
      has_limits: false,
      is_limited: false,
      created_by: "emulator-user",
    });
  });

  it("keeps a custom secret and masks it without show_tokens", async () => {
    const t = await create({ name: "custom", token: "MyCustomToken123" });
    expect(t.token).toBe(MASK);
    expect((await h.req("GET", `${base}${t.slug_perm}/?show_tokens=true`)).body.token).toBe("MyCustomToken123");
    expect((await state(t.slug_perm)).token).toBe("MyCustomToken123");
  });

  it("rejects a duplicate name in the same repository with 422", async () => {
    await create({ name: "dup" });
    const res = await h.req("POST", base, { body: { name: "dup" } });
    expect(res.status).toBe(422);
    expect(res.body.fields.name).toHaveLength(1);
    expect((await h.req("POST", "/entitlements/acme/staging/", { body: { name: "dup" } })).status).toBe(201);
  });

  it("ignores read-only fields in the body", async () => {
    const t = await create({
      name: "ro",
      slug_perm: "forged",
      default: true,
      downloads: 99,
      access_private_broadcasts: true,
    });
    expect(t.slug_perm).not.toBe("forged");
    expect(t).toMatchObject({ default: false, downloads: 0, access_private_broadcasts: false });
  });

  it("derives has_limits from the limit fields", async () => {
    expect((await create({ name: "limited", limit_num_downloads: 5 })).has_limits).toBe(true);
  });
});

describe("read, update, delete", () => {
  it("never shows the secret on list or read without show_tokens", async () => {
    const list = await h.req("GET", `${base}?page_size=500`);
    expect(list.body.every((t: { token: string }) => t.token === MASK)).toBe(true);
    const shown = await h.req("GET", `${base}?page_size=500&show_tokens=true`);
    expect(shown.body.some((t: { token: string }) => t.token === MASK)).toBe(false);
  });

  it("PATCH changes only the given fields and clears nullable ones with null", async () => {
    const t = await create({ name: "patch-me", limit_num_clients: 3, metadata: { a: 1 } });
    const res = await h.req("PATCH", `${base}${t.slug_perm}/`, {
      body: { limit_num_clients: null, eula_required: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "patch-me",
      limit_num_clients: null,
      eula_required: true,
      metadata: { a: 1 },
    });
    expect(res.body.updated_at > t.updated_at).toBe(true);
  });

  it("PATCH renaming onto another token's name is a 422", async () => {
    const t = await create({ name: "rename-a" });
    await create({ name: "rename-b" });
    expect((await h.req("PATCH", `${base}${t.slug_perm}/`, { body: { name: "rename-b" } })).status).toBe(422);
  });

  it("DELETE answers 204, then reads are 404", async () => {
    const t = await create({ name: "delete-me" });
    const del = await h.req("DELETE", `${base}${t.slug_perm}/`);
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    const read = await h.req("GET", `${base}${t.slug_perm}/`);
    expect(read.status).toBe(404);
    expect(read.body).toEqual({ detail: "Not found." });
    expect((await h.req("DELETE", `${base}${t.slug_perm}/`)).status).toBe(404);
  });

  it("reads by name only with fuzzy=true", async () => {
    await create({ name: "Fuzzy-Name" });
    expect((await h.req("GET", `${base}Fuzzy-Name/`)).status).toBe(404);
    expect((await h.req("GET", `${base}fuzzy-name/?fuzzy=true`)).body.name).toBe("Fuzzy-Name");
  });

  it("has no PUT (405)", async () => {
    const t = await create({ name: "put" });
    expect((await h.req("PUT", `${base}${t.slug_perm}/`, { body: { name: "put" } })).status).toBe(405);
  });
});

describe("refresh", () => {
  it("rotates the secret, keeps slug_perm and bumps updated_at", async () => {
    const t = await create({ name: "rotate" }, "?show_tokens=true");
    const res = await h.req("POST", `${base}${t.slug_perm}/refresh/?show_tokens=true`);
    expect(res.status).toBe(200);
    expect(res.body.slug_perm).toBe(t.slug_perm);
    expect(res.body.token).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(res.body.token).not.toBe(t.token);
    expect(res.body.updated_at > t.updated_at).toBe(true);
    expect((await h.req("GET", `${base}${t.slug_perm}/`)).body.token).toBe(MASK);
    expect((await state(t.slug_perm)).token).toBe(res.body.token);
  });

  it("applies limit fields and a given token from the body, ignoring name", async () => {
    const t = await create({ name: "rotate-body" });
    const res = await h.req("POST", `${base}${t.slug_perm}/refresh/?show_tokens=true`, {
      body: { name: "ignored", token: "ChosenValue42", limit_num_downloads: 7 },
    });
    expect(res.body).toMatchObject({ name: "rotate-body", token: "ChosenValue42", limit_num_downloads: 7 });
  });
});

describe("actions", () => {
  it("disable and enable answer 204 and flip is_active", async () => {
    const t = await create({ name: "toggle" });
    expect((await h.req("POST", `${base}${t.slug_perm}/disable/`)).status).toBe(204);
    expect((await h.req("GET", `${base}${t.slug_perm}/`)).body.is_active).toBe(false);
    expect((await h.req("POST", `${base}${t.slug_perm}/enable/`)).status).toBe(204);
    expect((await h.req("GET", `${base}${t.slug_perm}/`)).body.is_active).toBe(true);
  });

  it("reset zeroes the usage counters (including hidden bandwidth) and nothing else", async () => {
    const t = await create({ name: "usage", limit_num_downloads: 3 }, "?show_tokens=true");
    const usage = await h.admin("POST", "/usage", {
      owner: "acme",
      repository: "prod",
      slug_perm: t.slug_perm,
      downloads: 3,
      clients: 2,
      bandwidth: 1024,
    });
    expect(usage.status).toBe(200);
    const before = (await h.req("GET", `${base}${t.slug_perm}/`)).body;
    expect(before).toMatchObject({ downloads: 3, clients: 2, is_limited: true, usage: "3 downloads, 2 clients" });
    expect((await h.req("POST", `${base}${t.slug_perm}/reset/`)).status).toBe(204);
    const after = (await h.req("GET", `${base}${t.slug_perm}/?show_tokens=true`)).body;
    expect(after).toMatchObject({
      downloads: 0,
      clients: 0,
      is_limited: false,
      token: t.token,
      limit_num_downloads: 3,
    });
    expect((await state(t.slug_perm)).bandwidth).toBe(0);
  });

  it("toggle-private-broadcasts sets access_private_broadcasts and requires the field", async () => {
    const t = await create({ name: "broadcasts" });
    const res = await h.req("POST", `${base}${t.slug_perm}/toggle-private-broadcasts/`, {
      body: { access_private_broadcasts: true },
    });
    expect(res.status).toBe(200);
    expect((await h.req("GET", `${base}${t.slug_perm}/`)).body.access_private_broadcasts).toBe(true);
    expect((await h.req("POST", `${base}${t.slug_perm}/toggle-private-broadcasts/`, { body: {} })).status).toBe(422);
  });

  it("actions on an unknown token are 404", async () => {
    for (const action of ["refresh", "enable", "disable", "reset"]) {
      expect((await h.req("POST", `${base}missing/${action}/`)).status).toBe(404);
    }
  });
});

describe("list pages (served from per-token cached bytes)", () => {
  const list = async (query = "") =>
    (await h.req("GET", `/entitlements/acme/prod/?page_size=500${query}`)).body as any[];
  const find = async (slug: string, query = "") => (await list(query)).find((t) => t.slug_perm === slug);

  it("reflect every kind of change at once: PATCH, actions, refresh, usage, show_tokens and time-bound limits", async () => {
    const t = await create({ name: "cached", limit_num_downloads: 5 });
    expect(await find(t.slug_perm)).toMatchObject({ limit_num_downloads: 5, is_active: true, token: MASK });

    await h.req("PATCH", `${base}${t.slug_perm}/`, { body: { limit_num_downloads: 7, metadata: { a: 1 } } });
    expect(await find(t.slug_perm)).toMatchObject({ limit_num_downloads: 7, metadata: { a: 1 } });

    await h.req("POST", `${base}${t.slug_perm}/disable/`);
    expect((await find(t.slug_perm)).is_active).toBe(false);

    const secret = (await find(t.slug_perm, "&show_tokens=true")).token;
    expect(secret).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await find(t.slug_perm)).token).toBe(MASK);
    await h.req("POST", `${base}${t.slug_perm}/refresh/`, { body: {} });
    expect((await find(t.slug_perm, "&show_tokens=true")).token).not.toBe(secret);

    await h.admin("POST", "/usage", { owner: "acme", repository: "prod", slug_perm: t.slug_perm, downloads: 7 });
    expect(await find(t.slug_perm)).toMatchObject({ downloads: 7, is_limited: true });

    // is_limited changes with the clock alone: a window that closes in a moment.
    const soon = await create({ name: "cached-window", limit_date_range_to: new Date(Date.now() + 300).toISOString() });
    expect((await find(soon.slug_perm)).is_limited).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect((await find(soon.slug_perm)).is_limited).toBe(true);
  });
});
