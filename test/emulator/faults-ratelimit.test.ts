/** Fault injection, latency and the emulated rate limit. */
import { Harness, startHarness } from "./helpers";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.emu.close());

describe("faults", () => {
  it("a 503 rule applies to the next `times` matching requests, then is used up", async () => {
    await h.admin("POST", "/faults", {
      rules: [{ method: "GET", path: "^/entitlements/", status: 503, times: 2, retryAfter: 1 }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.req("GET", "/entitlements/acme/prod/")).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await h.admin("GET", "/faults")).body.rules).toEqual([]);
  });

  it("matches method and path: other requests pass", async () => {
    await h.admin("POST", "/faults", { rules: [{ method: "POST", path: "/sync/$", status: 500, times: 1 }] });
    expect((await h.req("GET", "/entitlements/acme/prod/")).status).toBe(200);
    const res = await h.req("POST", "/entitlements/acme/staging/sync/", { body: { source: "prod" } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ detail: "A server error occurred." });
  });

  it("answers 429 with Retry-After and the throttling detail", async () => {
    await h.admin("POST", "/faults", { rules: [{ status: 429, retryAfter: 3 }] });
    const res = await h.req("GET", "/entitlements/acme/prod/");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.body).toEqual({ detail: "Request was throttled. Expected available in 3 seconds." });
  });

  it("afterHandler: the write happens but the client sees the fault", async () => {
    await h.admin("POST", "/faults", {
      rules: [{ method: "POST", path: "entitlements/acme/prod/?$", status: 502, afterHandler: true }],
    });
    const res = await h.req("POST", "/entitlements/acme/prod/", { body: { name: "ghost" } });
    expect(res.status).toBe(502);
    const names = (await h.req("GET", "/entitlements/acme/prod/")).body.map((t: { name: string }) => t.name);
    expect(names).toContain("ghost");
  });

  it("sends a raw (malformed) body when given", async () => {
    await h.admin("POST", "/faults", { rules: [{ status: 200, body: '{"truncated": ' }] });
    const res = await h.req("GET", "/entitlements/acme/prod/");
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"truncated": ');
  });

  it("adds latency to every API response, and DELETE clears rules and latency", async () => {
    await h.admin("POST", "/faults", { latencyMs: 60, rules: [{ status: 503, times: 5 }] });
    const start = Date.now();
    await h.req("GET", "/user/self/");
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
    expect((await h.admin("DELETE", "/faults")).status).toBe(204);
    expect((await h.req("GET", "/entitlements/acme/prod/")).status).toBe(200);
    expect((await h.admin("GET", "/faults")).body).toEqual({ rules: [], latencyMs: 0 });
  });

  it("counts each fault it fires by kind in /stats, across DELETE /faults, until a reset", async () => {
    await h.admin("POST", "/faults", {
      rules: [
        { method: "GET", status: 429, retryAfter: 1 },
        { method: "GET", status: 200, body: '{"slug_perm": ' },
        { method: "GET", status: 403, body: '{"error_code": "CH.004403"}' },
        { method: "GET", reset: true, afterHandler: true },
        { method: "GET", truncateAt: 5 },
        { method: "GET", pass: true, delayMs: 1 },
        { method: "POST", status: 500, times: 3 },
      ],
    });
    for (let i = 0; i < 7; i++) await h.req("GET", "/entitlements/acme/prod/").catch(() => undefined);
    await h.admin("DELETE", "/faults");
    const { faults } = (await h.admin("GET", "/stats")).body;
    expect(faults).toEqual({
      total: 6,
      byKind: {
        "status 429": 1,
        "malformed body": 1,
        "status 403": 1,
        "connection reset (after handler)": 1,
        "truncated body": 1,
        "latency spike": 1,
      },
    });
    expect(h.emu.stats().faults).toEqual(faults);
    await h.admin("POST", "/reset");
    expect((await h.admin("GET", "/stats")).body.faults).toEqual({ total: 0, byKind: {} });
  });

  it("rejects an invalid rule with 400", async () => {
    const res = await h.adminRaw("POST", "/faults", { rules: [{ path: "(", status: 9 }] });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(["rules[0].path", "rules[0].status"]);
  });
});

describe("rate limit", () => {
  it("sends generous X-RateLimit headers when no limit is configured", async () => {
    const res = await h.req("GET", "/entitlements/acme/prod/");
    expect(res.headers.get("x-ratelimit-limit")).toBe("5400");
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeGreaterThan(0);
    expect(res.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
    expect(res.headers.get("x-ratelimit-interval")).toBe("0.0");
  });

  it("counts down and answers 429 once the window is spent: X-RateLimit-Reset says when, no Retry-After by default", async () => {
    await h.admin("POST", "/ratelimit", { limit: 3, windowSeconds: 60 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.req("GET", "/entitlements/acme/prod/");
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("x-ratelimit-remaining") as string);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const throttled = await h.req("GET", "/entitlements/acme/prod/");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBeNull();
    const reset = Number(throttled.headers.get("x-ratelimit-reset"));
    const wait = reset - Date.now() / 1000;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(Number(throttled.headers.get("x-ratelimit-interval"))).toBeCloseTo(wait, 0);
    expect(throttled.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
  });

  it("adds Retry-After to the 429 when the retryAfter setting is on", async () => {
    await h.admin("POST", "/cloudsmith/settings", { retryAfter: true });
    await h.admin("POST", "/ratelimit", { limit: 1, windowSeconds: 60 });
    await h.req("GET", "/entitlements/acme/prod/");
    const throttled = await h.req("GET", "/entitlements/acme/prod/");
    expect(throttled.status).toBe(429);
    const wait = Number(throttled.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(throttled.body).toEqual({ detail: `Request was throttled. Expected available in ${wait} seconds.` });
  });

  it("resets when the window ends", async () => {
    await h.admin("POST", "/ratelimit", { limit: 1, windowSeconds: 0.2 });
    expect((await h.req("GET", "/user/self/")).status).toBe(200);
    expect((await h.req("GET", "/user/self/")).status).toBe(429);
    await new Promise((r) => setTimeout(r, 250));
    expect((await h.req("GET", "/user/self/")).status).toBe(200);
  });

  it("is reflected by /rates/limits/ and switched off with null", async () => {
    await h.admin("POST", "/ratelimit", { limit: 10, windowSeconds: 3600 });
    const res = await h.req("GET", "/rates/limits/");
    expect(res.body.resources.core).toMatchObject({ limit: 10, remaining: 9, throttled: false });
    await h.admin("POST", "/ratelimit", null);
    expect((await h.req("GET", "/rates/limits/")).body.resources.core.limit).toBe(5400);
  });
});
