import { RateLimiter } from "../../src/api/cloudsmith";
import { makeClient, startServer, TestServer, token } from "./helpers";

/** A fake clock whose sleep advances time instantly and records each wait. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe("RateLimiter", () => {
  it("caps concurrency", async () => {
    const limiter = new RateLimiter({ concurrency: 3 });
    let active = 0;
    let peak = 0;
    const task = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
    };
    await Promise.all(Array.from({ length: 20 }, () => limiter.schedule(task)));
    expect(peak).toBe(3);
    expect(limiter.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it("releases the slot when a task throws", async () => {
    const limiter = new RateLimiter({ concurrency: 1 });
    await expect(limiter.schedule(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(limiter.schedule(async () => 42)).resolves.toBe(42);
  });

  it("pauseFor holds back every request that has not started", async () => {
    const limiter = new RateLimiter({ concurrency: 10 });
    const started = Date.now();
    limiter.pauseFor(300);
    const starts = await Promise.all([1, 2, 3].map(() => limiter.schedule(async () => Date.now() - started)));
    for (const s of starts) expect(s).toBeGreaterThanOrEqual(290);
  });

  it("never reserves a start past the window's Reset, even when stale counts ask for more spacing", async () => {
    // Time stands still while the 12 callers reserve their slots, as when they arrive together.
    const now = 1_700_000_000_000;
    const waits: number[] = [];
    const limiter = new RateLimiter({ concurrency: 20, now: () => now, sleep: async (ms) => void waits.push(ms) });
    // 2 left for 10 s, but 12 callers queue up: naive reservations would reach 55 s ahead.
    limiter.observe({
      "x-ratelimit-limit": "400",
      "x-ratelimit-remaining": "2",
      "x-ratelimit-reset": String((now + 10_000) / 1000),
    });
    await Promise.all(Array.from({ length: 12 }, () => limiter.schedule(async () => undefined)));
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
  });

  it("spreads requests until Reset when Remaining is low", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep });
    limiter.observe({
      "X-RateLimit-Limit": "5400",
      "X-RateLimit-Remaining": "4000",
      "X-RateLimit-Reset": String(clock.now() / 1000 + 60),
    });
    await limiter.schedule(async () => undefined);
    expect(clock.sleeps).toEqual([]); // plenty left: no spacing

    limiter.observe({
      "x-ratelimit-limit": "100",
      "x-ratelimit-remaining": "4",
      "x-ratelimit-reset": String(clock.now() / 1000 + 20),
    });
    expect(limiter.snapshot().spacingMs).toBe(5000);
    await Promise.all([1, 2, 3].map(() => limiter.schedule(async () => undefined)));
    // First goes now, then one every ~5 s.
    expect(clock.sleeps.length).toBe(2);
    expect(clock.sleeps[0]).toBe(5000);
  });

  it("pauses until Reset when Remaining is 0", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep });
    limiter.observe({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(clock.now() / 1000 + 7) });
    await limiter.schedule(async () => undefined);
    expect(clock.sleeps).toEqual([7000]);
  });

  it("ignores stale or missing headers", () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep });
    limiter.observe({});
    limiter.observe(undefined);
    limiter.observe({ "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": String(clock.now() / 1000 - 5) });
    expect(limiter.snapshot()).toMatchObject({ spacingMs: 0, pausedUntil: 0 });
  });
});

describe("RateLimiter with the client", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("pauses every request on a 429, not only the throttled one", async () => {
    server = await startServer((r) =>
      r.n === 1 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 200, body: token("x") },
    );
    const limiter = new RateLimiter();
    const a = makeClient(server, { limiter });
    const b = makeClient(server, { limiter }); // a second client sharing the limiter
    const t0 = Date.now();
    const first = a.entitlements.read("acme", "prod", "first");
    await new Promise((r) => setTimeout(r, 150)); // the 429 has arrived by now
    const second = b.entitlements.read("acme", "prod", "second");
    await Promise.all([first, second]);
    const secondArrival = server.requests.find((r) => r.path.includes("/second/"))!;
    expect(secondArrival.at - t0).toBeGreaterThanOrEqual(990);
    expect(limiter.snapshot().pauses).toBe(1);
  });

  it("spreads client requests when the server says the budget is nearly spent", async () => {
    const reset = () => String(Math.floor(Date.now() / 1000) + 1);
    server = await startServer(() => ({
      status: 200,
      body: token("x"),
      headers: { "X-RateLimit-Limit": "5400", "X-RateLimit-Remaining": "2", "X-RateLimit-Reset": reset() },
    }));
    const limiter = new RateLimiter({ lowWatermark: 5 });
    const c = makeClient(server, { limiter });
    await c.entitlements.read("acme", "prod", "a");
    expect(limiter.snapshot().remaining).toBe(2);
    expect(limiter.snapshot().spacingMs).toBeGreaterThan(0);
  });
});
