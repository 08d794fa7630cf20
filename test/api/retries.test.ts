import { NetworkError, RateLimitedError, ServerError } from "../../src/api/cloudsmith";
import type { ApiEvent, RepositoryToken } from "../../src/api/cloudsmith";
import { catchError, makeClient, startServer, TestServer, token } from "./helpers";

describe("Cloudsmith client retries", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("waits out a 429 for Retry-After seconds, then succeeds", async () => {
    server = await startServer((r) =>
      r.n === 1
        ? { status: 429, body: { detail: "Request was throttled." }, headers: { "Retry-After": "1" } }
        : { status: 200, body: token("a") },
    );
    const events: ApiEvent[] = [];
    const client = makeClient(server, { onEvent: (e) => events.push(e) });
    const started = Date.now();
    const t = await client.entitlements.read("acme", "prod", "sp-a");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(990);
    expect(t.name).toBe("a");
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, throttled: 1, errors: 0 });
    expect(events.find((e) => e.type === "throttle")).toMatchObject({ status: 429, waitMs: 1000 });
  });

  it("accepts Retry-After as an HTTP date", async () => {
    const when = new Date(Date.now() + 1500).toUTCString(); // second precision: 0.5-1.5 s from now
    server = await startServer((r) =>
      r.n === 1 ? { status: 429, headers: { "Retry-After": when } } : { status: 200, body: token("a") },
    );
    const started = Date.now();
    await makeClient(server).entitlements.read("acme", "prod", "sp-a");
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it("throws RateLimitedError after maxRetries 429s", async () => {
    server = await startServer(() => ({ status: 429, headers: { "Retry-After": "0" } }));
    const client = makeClient(server, { maxRetries: 2 });
    const e = await catchError(() => client.entitlements.read("acme", "prod", "x"));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect(e.status).toBe(429);
    expect(e.retryAfterSeconds).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(client.stats).toMatchObject({ requests: 3, retries: 2, throttled: 3, errors: 1 });
  });

  it("retries a 503 on GET and succeeds", async () => {
    server = await startServer((r) =>
      r.n <= 2 ? { status: 503, raw: "<html>busy</html>" } : { status: 200, body: token("a") },
    );
    const client = makeClient(server);
    const t = await client.entitlements.read("acme", "prod", "sp-a");
    expect(t.slug_perm).toBe("sp-a");
    expect(server.requests).toHaveLength(3);
    expect(client.stats.retries).toBe(2);
  });

  it("gives up on a GET after maxRetries 5xx with a non-ambiguous ServerError", async () => {
    server = await startServer(() => ({ status: 502, raw: "bad gateway" }));
    const client = makeClient(server, { maxRetries: 1 });
    const e = await catchError(() => client.entitlements.read("acme", "prod", "sp-a"));
    expect(e).toBeInstanceOf(ServerError);
    expect(e.ambiguous).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a POST that failed with a 5xx and marks it ambiguous", async () => {
    server = await startServer(() => ({ status: 500, body: { detail: "Internal error" } }));
    const client = makeClient(server);
    const e = await catchError(() => client.entitlements.create("acme", "prod", { name: "ci" }));
    expect(e).toBeInstanceOf(ServerError);
    expect(e.ambiguous).toBe(true);
    expect(e.status).toBe(500);
    expect(server.requests).toHaveLength(1);
    expect(client.stats).toMatchObject({ requests: 1, retries: 0, errors: 1 });
  });

  describe("a POST that can tell whether it landed (landed)", () => {
    it("after a 5xx looks first and sends it again only when nothing landed", async () => {
      server = await startServer((r) =>
        r.n === 1 ? { status: 503, body: { detail: "busy" } } : { status: 201, body: token("ci") },
      );
      const client = makeClient(server);
      const looked: number[] = [];
      const t = await client.entitlements.create(
        "acme",
        "prod",
        { name: "ci" },
        {
          landed: async (): Promise<RepositoryToken | undefined> => {
            looked.push(server!.requests.length);
            return undefined;
          },
        },
      );
      expect(t.name).toBe("ci");
      expect(looked).toEqual([1]);
      expect(server.requests.map((r) => r.method)).toEqual(["POST", "POST"]);
      expect(client.stats).toMatchObject({ requests: 2, retries: 1 });
    });

    it("returns what landed instead of sending it again", async () => {
      server = await startServer(() => ({ status: 502, body: { detail: "bad gateway" } }));
      const client = makeClient(server);
      const t = await client.entitlements.create(
        "acme",
        "prod",
        { name: "ci" },
        { landed: async () => token("ci") as RepositoryToken },
      );
      expect(t.name).toBe("ci");
      expect(server.requests).toHaveLength(1);
    });

    it("after a connection reset mid-request does the same", async () => {
      server = await startServer((r) => (r.n === 1 ? "reset" : { status: 201, body: token("ci") }));
      const client = makeClient(server);
      await expect(
        client.entitlements.create("acme", "prod", { name: "ci" }, { landed: async () => undefined }),
      ).resolves.toMatchObject({ name: "ci" });
      expect(server.requests).toHaveLength(2);
    });

    it("throws the ambiguous error, without sending it again, when looking fails", async () => {
      server = await startServer(() => ({ status: 500, body: { detail: "Internal error" } }));
      const client = makeClient(server);
      const e = await catchError(() =>
        client.entitlements.create(
          "acme",
          "prod",
          { name: "ci" },
          { landed: () => Promise.reject(new Error("list failed")) },
        ),
      );
      expect(e).toBeInstanceOf(ServerError);
      expect(e.ambiguous).toBe(true);
      expect(e.status).toBe(500);
      expect(server.requests).toHaveLength(1);
    });

    it("stops after the retry budget, still ambiguous", async () => {
      server = await startServer(() => ({ status: 503, body: { detail: "busy" } }));
      const client = makeClient(server);
      let looks = 0;
      const e = await catchError(() =>
        client.entitlements.create("acme", "prod", { name: "ci" }, { landed: async () => void looks++ }),
      );
      expect(e.ambiguous).toBe(true);
      expect(server.requests).toHaveLength(client.stats.retries + 1);
      expect(looks).toBe(client.stats.retries);
      expect(client.stats.retries).toBeGreaterThan(0);
    });
  });

  it("retries a POST on 429", async () => {
    server = await startServer((r) =>
      r.n === 1 ? { status: 429, headers: { "Retry-After": "0" } } : { status: 201, body: token("ci") },
    );
    const client = makeClient(server);
    const t = await client.entitlements.create("acme", "prod", { name: "ci" });
    expect(t.name).toBe("ci");
    expect(server.requests).toHaveLength(2);
    expect(server.requests.every((r) => r.method === "POST")).toBe(true);
  });

  it("does not retry a POST whose connection was reset after sending; marks it ambiguous", async () => {
    server = await startServer(() => "reset");
    const client = makeClient(server);
    const e = await catchError(() => client.entitlements.create("acme", "prod", { name: "ci" }));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.ambiguous).toBe(true);
    expect(e.code).toBe("ECONNRESET");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a GET whose connection was reset", async () => {
    server = await startServer((r) => (r.n === 1 ? "reset" : { status: 200, body: [] }));
    const client = makeClient(server);
    await expect(client.entitlements.list("acme", "prod")).resolves.toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a POST when the connection was refused (nothing was sent)", async () => {
    server = await startServer(() => ({ status: 201, body: token("x") }));
    const url = server.url;
    await server.close();
    server = undefined;
    const client = makeClient({ url, requests: [], close: async () => {} }, { maxRetries: 2 });
    const e = await catchError(() => client.entitlements.create("acme", "prod", { name: "ci" }));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.ambiguous).toBe(false);
    expect(client.stats.requests).toBe(3);
  });

  it("gives a refused connection only maxUnreachableRetries (default 2), not the whole retry budget", async () => {
    server = await startServer(() => ({ status: 200, body: [] }));
    const url = server.url;
    await server.close();
    server = undefined;
    const fake = { url, requests: [], close: async () => {} };
    const client = makeClient(fake, { maxRetries: 5 });
    const e = await catchError(() => client.entitlements.list("acme", "prod"));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("ECONNREFUSED");
    expect(client.stats.requests).toBe(3);
    const patient = makeClient(fake, { maxRetries: 5, maxUnreachableRetries: 4 });
    await catchError(() => patient.entitlements.list("acme", "prod"));
    expect(patient.stats.requests).toBe(5);
  });

  it("times out a slow GET, retries it, and reports a timeout on a POST as ambiguous", async () => {
    server = await startServer((r) => ({ status: 200, body: token("a"), delayMs: r.n === 1 ? 500 : 0 }));
    const client = makeClient(server, { timeoutMs: 150 });
    await expect(client.entitlements.read("acme", "prod", "sp-a")).resolves.toMatchObject({ name: "a" });
    expect(server.requests).toHaveLength(2);

    const slow = await startServer(() => ({ status: 201, body: token("a"), delayMs: 500 }));
    try {
      const c2 = makeClient(slow, { timeoutMs: 150 });
      const e = await catchError(() => c2.entitlements.create("acme", "prod", { name: "a" }));
      expect(e).toBeInstanceOf(NetworkError);
      expect(e.ambiguous).toBe(true);
      expect(slow.requests).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it("retries PATCH and DELETE on 5xx (idempotent)", async () => {
    server = await startServer((r) => {
      if (r.n % 2 === 1) return { status: 503 };
      return r.method === "DELETE" ? { status: 204 } : { status: 200, body: token("a") };
    });
    const client = makeClient(server);
    await client.entitlements.update("acme", "prod", "sp-a", { is_active: false });
    await client.entitlements.delete("acme", "prod", "sp-a");
    expect(server.requests.map((r) => r.method)).toEqual(["PATCH", "PATCH", "DELETE", "DELETE"]);
  });
});
