/**
 * A 429 without Retry-After (Cloudsmith documents only X-RateLimit-*, and the emulator now sends
 * only those by default): the client waits until X-RateLimit-Reset, else X-RateLimit-Interval,
 * instead of retrying on its short backoff into the same closed window.
 */
import { CloudsmithClient, RateLimiter } from "../../src/api/cloudsmith";
import { startEmulator } from "../../src/emulator";
import { catchError, makeClient, startServer, TestServer, token } from "./helpers";

describe("a 429 without Retry-After", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("waits until X-RateLimit-Reset (no Remaining header, so only the 429 handling can tell)", async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 2;
    server = await startServer((r) =>
      r.n === 1
        ? { status: 429, body: { detail: "Request was throttled." }, headers: { "X-RateLimit-Reset": String(resetAt) } }
        : { status: 200, body: [token("ci")] },
    );
    const tokens = await makeClient(server).entitlements.list("acme", "prod");
    expect(tokens.map((t) => t.name)).toEqual(["ci"]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at).toBeGreaterThanOrEqual(resetAt * 1000 - 5);
  });

  it("waits X-RateLimit-Interval seconds when there is no Reset", async () => {
    server = await startServer((r) =>
      r.n === 1
        ? { status: 429, body: { detail: "Request was throttled." }, headers: { "X-RateLimit-Interval": "1.5" } }
        : { status: 200, body: [] },
    );
    await makeClient(server).entitlements.list("acme", "prod");
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(1_490);
  });

  it("backs off when the 429 says nothing about when", async () => {
    server = await startServer(() => ({ status: 429, body: { detail: "Request was throttled." } }));
    const started = Date.now();
    const e = await catchError(() => makeClient(server!).entitlements.list("acme", "prod"));
    expect(e.status).toBe(429);
    expect(server.requests).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("against the emulator's rate limit", () => {
  it.each([
    { reason: "default: X-RateLimit-* only", retryAfter: false },
    { reason: "retryAfter setting: Retry-After as well", retryAfter: true },
  ])(
    "$reason: the throttled call succeeds once the window resets, on a backoff far too short to get there",
    async ({ retryAfter }) => {
      const apiKey = "throttle-key";
      const emu = await startEmulator({
        apiKey,
        seed: { repositories: [{ owner: "acme", slug: "prod" }], cloudsmith: { settings: { retryAfter } } },
      });
      try {
        await fetch(`${emu.url}/_emulator/ratelimit`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ limit: 1, windowSeconds: 1 }),
        });
        // Another process spends the window: this client has seen no header yet.
        const spent = await fetch(`${emu.url}/v1/user/self/`, { headers: { "X-Api-Key": apiKey } });
        expect(spent.status).toBe(200);
        const client = new CloudsmithClient({
          baseUrl: `${emu.url}/v1`,
          apiKey,
          limiter: new RateLimiter(),
          retryBaseMs: 1,
          maxRetries: 2,
        });
        const tokens = await client.entitlements.list("acme", "prod");
        expect(tokens.map((t) => t.name)).toEqual(["Default"]);
        expect(client.stats.throttled).toBe(1);
      } finally {
        await emu.close();
      }
    },
  );
});
