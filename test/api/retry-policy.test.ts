/**
 * The retry policy on its own: which failures are retried for which methods, how many times, how
 * long a client waits between tries, and how a server's Retry-After is read. The transport's use of
 * it, over real HTTP, is in retries.test.ts.
 */
import {
  isSafe,
  isTransientNetworkCode,
  parseRetryAfter,
  requestNotSent,
  RetryPolicy,
  type RetryReason,
} from "../../src/api/http/retry";

describe("RetryPolicy.shouldRetry", () => {
  const policy = new RetryPolicy();
  const cases: [string, RetryReason, string | undefined, boolean][] = [
    ["GET", "server", undefined, true],
    ["get", "network", "ECONNRESET", true],
    ["HEAD", "server", undefined, true],
    ["OPTIONS", "server", undefined, true],
    ["PUT", "server", undefined, true],
    ["PATCH", "network", "ECONNRESET", true],
    ["DELETE", "server", undefined, true],
    // POST is not idempotent: retried only when the server provably did nothing.
    ["POST", "throttled", undefined, true],
    ["POST", "server", undefined, false],
    ["POST", "network", "ECONNRESET", false],
    ["POST", "network", undefined, false],
    ["POST", "network", "ECONNREFUSED", true],
    ["post", "network", "ENOTFOUND", true],
    ["POST", "network", "EAI_AGAIN", true],
    ["POST", "network", "EHOSTUNREACH", true],
    ["POST", "network", "ENETUNREACH", true],
    ["POST", "network", "ERR_INVALID_URL", true],
  ];
  it.each(cases)("%s after a %s failure (%s): %s", (method, reason, code, want) => {
    expect(policy.shouldRetry(method, reason, code)).toBe(want);
  });
});

describe("RetryPolicy budgets and waits", () => {
  it("defaults to 5 retries, 2 when nothing answers, a 500 ms base and a 120 s cap", () => {
    const p = new RetryPolicy();
    expect([p.maxRetries, p.maxUnreachableRetries, p.retryBaseMs, p.maxRetryWaitMs]).toEqual([5, 2, 500, 120_000]);
  });

  it("floors fractional budgets, refuses negative ones, and never gives unreachable hosts more than the budget", () => {
    expect(new RetryPolicy({ maxRetries: 3.7, maxUnreachableRetries: 1.9 })).toMatchObject({
      maxRetries: 3,
      maxUnreachableRetries: 1,
    });
    expect(new RetryPolicy({ maxRetries: -2, maxUnreachableRetries: -1 })).toMatchObject({
      maxRetries: 0,
      maxUnreachableRetries: 0,
    });
    expect(new RetryPolicy({ maxRetries: 1, maxUnreachableRetries: 4 }).maxUnreachableRetries).toBe(1);
    expect(new RetryPolicy({ maxRetries: 0 }).maxUnreachableRetries).toBe(0);
  });

  it("gives connection refused and unknown hosts the small budget, every other failure the full one", () => {
    const p = new RetryPolicy({ maxRetries: 6, maxUnreachableRetries: 2 });
    expect(p.retriesFor("network", "ECONNREFUSED")).toBe(2);
    expect(p.retriesFor("network", "ENOTFOUND")).toBe(2);
    expect(p.retriesFor("network", "ECONNRESET")).toBe(6);
    expect(p.retriesFor("network", "EAI_AGAIN")).toBe(6);
    expect(p.retriesFor("network", undefined)).toBe(6);
    expect(p.retriesFor("server", "ECONNREFUSED")).toBe(6);
    expect(p.retriesFor("throttled")).toBe(6);
    expect(p.retriesFor(undefined)).toBe(6);
  });

  it("backs off exponentially with full jitter, capped by maxRetryWaitMs", () => {
    const top = new RetryPolicy({ retryBaseMs: 100, maxRetryWaitMs: 1_000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 10, 100].map((r) => top.backoffMs(r))).toEqual([99, 199, 399, 799, 999, 999, 999]);
    const half = new RetryPolicy({ retryBaseMs: 100, maxRetryWaitMs: 1_000, random: () => 0.5 });
    expect([0, 1, 2, 3].map((r) => half.backoffMs(r))).toEqual([50, 100, 200, 400]);
    const none = new RetryPolicy({ retryBaseMs: 100, random: () => 0 });
    expect(none.backoffMs(5)).toBe(0);
    // A huge retry number does not overflow into Infinity or NaN: the cap holds.
    expect(new RetryPolicy({ random: () => 0.5 }).backoffMs(1_000)).toBe(60_000);
  });

  it("caps a server-requested wait to [0, maxRetryWaitMs]", () => {
    const p = new RetryPolicy({ maxRetryWaitMs: 5_000 });
    expect([p.cap(-10), p.cap(0), p.cap(1_234), p.cap(5_000), p.cap(9_999)]).toEqual([0, 0, 1_234, 5_000, 5_000]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T10:00:00Z");
  it.each([
    ["delta seconds", "30", 30],
    ["delta seconds with spaces", "  7 ", 7],
    ["fractional seconds", "1.5", 1.5],
    ["zero", "0", 0],
    ["an HTTP date in the future", "Sun, 01 Mar 2026 10:00:42 GMT", 42],
    ["an HTTP date in the past: no wait", "Sun, 01 Mar 2026 09:59:00 GMT", 0],
    // Not delta-seconds, so read as a date (the year -5): long past, no wait.
    ["a negative number", "-5", 0],
  ])("%s", (_what, value, want) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["blank", "   "],
    ["garbage", "soon"],
    ["a number with a unit", "10s"],
  ])("%s: undefined", (_what, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it("reads an HTTP date against the current time by default", () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(parseRetryAfter(inAMinute)).toBeGreaterThan(55);
    expect(parseRetryAfter(inAMinute)).toBeLessThanOrEqual(60);
  });
});

describe("network error codes", () => {
  it.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ERR_INVALID_URL"])(
    "%s: the request was never sent",
    (code) => expect(requestNotSent(code)).toBe(true),
  );
  it.each(["ECONNRESET", "ETIMEDOUT", "EPIPE", undefined])("%s: it may have been sent", (code) =>
    expect(requestNotSent(code)).toBe(false),
  );

  it.each([
    "ECONNRESET",
    "ETIMEDOUT",
    "ECONNABORTED",
    "ECONNREFUSED",
    "EPIPE",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
    "UND_ERR_SOCKET",
  ])("%s is transient", (code) => expect(isTransientNetworkCode(code)).toBe(true));

  it("reads transient failures without a code from their message", () => {
    expect(isTransientNetworkCode(undefined, "socket hang up")).toBe(true);
    expect(isTransientNetworkCode(undefined, "Request Timeout after 30s")).toBe(true);
    expect(isTransientNetworkCode(undefined, "The operation was aborted")).toBe(true);
    expect(isTransientNetworkCode("EPROTO", "wrong version number")).toBe(false);
    expect(isTransientNetworkCode("ERR_TLS_CERT_ALTNAME_INVALID")).toBe(false);
    expect(isTransientNetworkCode(undefined)).toBe(false);
  });

  it("only GET, HEAD and OPTIONS are safe", () => {
    expect(["GET", "head", "OPTIONS"].map(isSafe)).toEqual([true, true, true]);
    expect(["PUT", "PATCH", "DELETE", "POST"].map(isSafe)).toEqual([false, false, false, false]);
  });
});
