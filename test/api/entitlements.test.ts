import { API_KEY, makeClient, startServer, TestServer, token } from "./helpers";

describe("Cloudsmith entitlements API", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("sends X-Api-Key, Accept, User-Agent and a trailing slash; Content-Type only with a body", async () => {
    server = await startServer((r) =>
      r.method === "POST" ? { status: 201, body: token("ci") } : { status: 200, body: token("ci") },
    );
    const client = makeClient(server);
    await client.entitlements.read("acme", "prod", "sp-ci");
    await client.entitlements.create("acme", "prod", { name: "ci", metadata: { "managed-by": "reposmith" } });
    const [get, post] = server.requests;
    expect(get.headers["x-api-key"]).toBe(API_KEY);
    expect(get.headers.accept).toBe("application/json");
    expect(get.headers["user-agent"]).toMatch(/^reposmith\/\d+\.\d+\.\d+/);
    expect(get.headers["content-type"]).toBeUndefined();
    expect(get.headers.authorization).toBeUndefined();
    expect(get.url).toBe("/v1/entitlements/acme/prod/sp-ci/");
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.url).toBe("/v1/entitlements/acme/prod/");
    expect(post.json).toEqual({ name: "ci", metadata: { "managed-by": "reposmith" } });
  });

  it("sends show_tokens=true only when asked", async () => {
    server = await startServer((r) =>
      r.method === "POST"
        ? { status: 201, body: token("a") }
        : { status: 200, body: r.path.endsWith("/prod/") ? [] : token("a") },
    );
    const c = makeClient(server);
    await c.entitlements.read("acme", "prod", "sp-a");
    await c.entitlements.read("acme", "prod", "sp-a", { showTokens: false });
    await c.entitlements.read("acme", "prod", "sp-a", { showTokens: true });
    await c.entitlements.list("acme", "prod");
    await c.entitlements.list("acme", "prod", { showTokens: true });
    await c.entitlements.create("acme", "prod", { name: "a" }, { showTokens: true });
    expect(server.requests.map((r) => r.query.get("show_tokens"))).toEqual([null, null, "true", null, "true", "true"]);
  });

  it("follows all pages using X-Pagination-PageTotal", async () => {
    server = await startServer((r) => {
      const page = Number(r.query.get("page"));
      return {
        status: 200,
        body: [token(`t${page}a`), token(`t${page}b`)],
        headers: {
          "X-Pagination-Page": String(page),
          "X-Pagination-PageTotal": "3",
          "X-Pagination-Count": "6",
          "X-Pagination-PageSize": "2",
        },
      };
    });
    const c = makeClient(server);
    const all = await c.entitlements.list("acme", "prod", { query: "ci", active: true });
    expect(all.map((t) => t.name)).toEqual(["t1a", "t1b", "t2a", "t2b", "t3a", "t3b"]);
    expect(server.requests.map((r) => r.query.get("page"))).toEqual(["1", "2", "3"]);
    expect(server.requests.every((r) => r.query.get("page_size") === "500")).toBe(true);
    expect(server.requests[0].query.get("query")).toBe("ci");
    expect(server.requests[0].query.get("active")).toBe("true");
    expect(c.stats.byOperation).toEqual({ entitlements_list: 3 });
  });

  it("requests the pages after the first at once and joins them in page order", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    server = await startServer(async (r) => {
      const page = Number(r.query.get("page"));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later pages answer first: the result must still be in page order.
      await new Promise((res) => setTimeout(res, page === 1 ? 0 : (5 - page) * 40));
      inFlight--;
      return {
        status: 200,
        body: [token(`t${page}`)],
        headers: {
          "X-Pagination-Page": String(page),
          "X-Pagination-PageTotal": "4",
          "X-Pagination-Count": "4",
          "X-Pagination-PageSize": "1",
        },
      };
    });
    const c = makeClient(server);
    const all = await c.entitlements.list("acme", "prod");
    expect(all.map((t) => t.name)).toEqual(["t1", "t2", "t3", "t4"]);
    expect(maxInFlight).toBe(3);
    expect(server.requests.map((r) => r.query.get("page"))).toEqual(["1", "2", "3", "4"]);
  });

  it("treats a list response without pagination headers as a single page", async () => {
    server = await startServer(() => ({ status: 200, body: [token("a"), token("b")] }));
    const c = makeClient(server);
    const all = await c.entitlements.list("acme", "prod", { pageSize: 50 });
    expect(all).toHaveLength(2);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].query.get("page_size")).toBe("50");
    expect(server.requests[0].query.has("active")).toBe(false);
  });

  it("calls every action on the right path with the right method and body", async () => {
    server = await startServer((r) => {
      if (r.path.endsWith("/sync/")) return { status: 200, body: { tokens: [token("s1"), token("s2")] } };
      if (r.path.endsWith("/refresh/")) return { status: 200, body: token("a", { token: "rotated" }) };
      if (r.path.endsWith("/toggle-private-broadcasts/")) return { status: 200, body: {} };
      if (r.method === "POST" || r.method === "DELETE") return { status: 204 };
      return { status: 200, body: token("a") };
    });
    const c = makeClient(server);
    await c.entitlements.update("acme", "prod", "sp a", { limit_num_downloads: null }, { showTokens: true });
    await expect(
      c.entitlements.refresh("acme", "prod", "sp-a", undefined, { showTokens: true }),
    ).resolves.toMatchObject({ token: "rotated" });
    await expect(c.entitlements.sync("acme", "prod", "staging")).resolves.toHaveLength(2);
    await c.entitlements.enable("acme", "prod", "sp-a");
    await c.entitlements.disable("acme", "prod", "sp-a");
    await c.entitlements.reset("acme", "prod", "sp-a");
    await c.entitlements.togglePrivateBroadcasts("acme", "prod", "sp-a", true);
    await c.entitlements.delete("acme", "prod", "sp-a");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'PATCH /v1/entitlements/acme/prod/sp%20a/?show_tokens=true {"limit_num_downloads":null}',
      "POST /v1/entitlements/acme/prod/sp-a/refresh/?show_tokens=true {}",
      'POST /v1/entitlements/acme/prod/sync/ {"source":"staging"}',
      "POST /v1/entitlements/acme/prod/sp-a/enable/ ",
      "POST /v1/entitlements/acme/prod/sp-a/disable/ ",
      "POST /v1/entitlements/acme/prod/sp-a/reset/ ",
      'POST /v1/entitlements/acme/prod/sp-a/toggle-private-broadcasts/ {"access_private_broadcasts":true}',
      "DELETE /v1/entitlements/acme/prod/sp-a/ ",
    ]);
  });

  it("reads the caller and the rate limits", async () => {
    server = await startServer((r) =>
      r.path === "/v1/user/self/"
        ? {
            status: 200,
            body: {
              authenticated: true,
              slug: "me",
              slug_perm: "abc",
              name: null,
              email: null,
              profile_url: null,
              self_url: "x",
            },
          }
        : {
            status: 200,
            body: {
              resources: { core: { interval: 6.0, limit: 5400, remaining: 5399, reset: 1700000000, throttled: false } },
            },
          },
    );
    const c = makeClient(server);
    await expect(c.userSelf()).resolves.toMatchObject({ authenticated: true, slug: "me" });
    await expect(c.rateLimits()).resolves.toMatchObject({ resources: { core: { limit: 5400 } } });
    expect(server.requests.map((r) => r.url)).toEqual(["/v1/user/self/", "/v1/rates/limits/"]);
  });
});
