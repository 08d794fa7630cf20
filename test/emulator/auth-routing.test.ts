/** Authentication, path prefixes, trailing slashes and request stats. */
import { API_KEY, Harness, call, startHarness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());

describe("authentication", () => {
  it("answers 401 'not provided' without credentials", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/", { key: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("answers 401 'Invalid token.' for a wrong key", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/", { key: "wrong" });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "Invalid token." });
  });

  it("accepts Authorization: token <key>", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/", {
      key: null,
      headers: { Authorization: `token ${API_KEY}` },
    });
    expect(res.status).toBe(200);
  });

  it("ignores Bearer unless acceptBearer is set", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/", {
      key: null,
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(401);
    const other = await startHarness({ acceptBearer: true });
    try {
      const ok = await other.req("GET", "/entitlements/acme/prod/", {
        key: null,
        headers: { Authorization: `Bearer ${API_KEY}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await other.emu.close();
    }
  });

  it("user_self answers anonymous callers with authenticated false, wrong keys with 401", async () => {
    expect((await h.req("GET", "/user/self/", { key: null })).body.authenticated).toBe(false);
    expect((await h.req("GET", "/user/self/", { key: "wrong" })).status).toBe(401);
    const me = await h.req("GET", "/user/self/");
    expect(me.body).toMatchObject({ authenticated: true, slug: "emulator-user" });
  });
});

describe("routing", () => {
  it("answers at the root and under /v1 (a path without its slash: cloudsmith-settings.test.ts)", async () => {
    for (const path of ["/entitlements/acme/prod/", "/v1/entitlements/acme/prod/"]) {
      const res = await call(h.emu.url, "GET", path);
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  it("builds self_url from the Host header under /v1", async () => {
    const res = await call(h.emu.url, "GET", "/entitlements/acme/prod/");
    expect(res.body[0].self_url).toBe(`${h.emu.url}/v1/entitlements/acme/prod/${res.body[0].slug_perm}/`);
  });

  it("answers unknown paths with 404 {detail}", async () => {
    const res = await h.req("GET", "/nothing/here/");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: "Not found." });
  });
});

describe("stats", () => {
  it("counts API requests by method and route template, not admin requests", async () => {
    const s = await startHarness();
    try {
      await s.req("GET", "/entitlements/acme/prod/");
      await call(s.emu.url, "GET", "/entitlements/acme/prod");
      const list = await s.req("GET", "/entitlements/acme/prod/");
      await s.req("GET", `/entitlements/acme/prod/${list.body[0].slug_perm}/`);
      await s.req("GET", "/entitlements/acme/prod/", { key: "wrong" });
      await s.admin("GET", "/state");
      const stats = (await s.admin("GET", "/stats")).body;
      expect(stats).toEqual({
        requests: {
          total: 5,
          byRoute: { "GET /entitlements/{owner}/{repo}/": 4, "GET /entitlements/{owner}/{repo}/{identifier}/": 1 },
        },
        faults: { total: 0, byKind: {} },
      });
      expect(s.emu.stats()).toEqual(stats);
    } finally {
      await s.emu.close();
    }
  });
});
