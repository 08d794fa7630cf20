/**
 * The emulator's storm capabilities the reliability suite relies on (probability, pass, reset,
 * truncateAt), and how the Cloudsmith client meets each: a safe GET is retried through every one of
 * them; a POST that may have been applied is reported as ambiguous, never re-sent.
 */
import { CloudsmithClient, NetworkError, ResponseShapeError } from "../../src/api/cloudsmith";
import { adminRequest } from "../helpers/emulator-admin";
import { startTestEmulator, type TestEmulator } from "../helpers/harness";

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reseed({ repositories: [{ owner: "acme", slug: "prod" }] });
});

/** One request; `status` is 0 when no reply came, `error` set when the reply (or its body) broke off. */
async function raw(
  method = "GET",
  body?: unknown,
): Promise<{ status: number; text: string; error?: string; length?: string | null }> {
  let status = 0;
  let length: string | null = null;
  try {
    const r = await fetch(`${t.emu.url}/v1/entitlements/acme/prod/`, {
      method,
      headers: { "X-Api-Key": t.apiKey, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    status = r.status;
    length = r.headers.get("content-length");
    return { status, length, text: await r.text() };
  } catch (e) {
    return {
      status,
      length,
      text: "",
      error: `${(e as Error).message} ${(e as { cause?: { code?: string } }).cause?.code ?? ""}`,
    };
  }
}
const client = () =>
  new CloudsmithClient({ baseUrl: `${t.emu.url}/v1`, apiKey: t.apiKey, retryBaseMs: 1, maxRetries: 3 });
const names = async () => (await t.admin("GET", "/state")).tokens.map((x: { name: string }) => x.name);

describe("emulator storm rules", () => {
  it("probability: a rule fires on about that share of matching requests, and times counts only those", async () => {
    await t.admin("POST", "/faults", { rules: [{ method: "GET", status: 503, probability: 0.3, times: 1e6 }] });
    let faults = 0;
    for (let i = 0; i < 200; i++) if ((await raw()).status === 503) faults++;
    expect(faults).toBeGreaterThan(30);
    expect(faults).toBeLessThan(95);
    expect((await t.admin("GET", "/faults")).rules[0].remaining).toBe(1e6 - faults);
  });

  it("rejects a probability outside (0, 1] and conflicting actions", async () => {
    const r = await adminRequest(t.emu.url, "POST", "/faults", {
      rules: [{ probability: 0 }, { reset: true, truncateAt: 3 }],
    });
    expect(r.status).toBe(400);
    const body = r.body;
    expect(Object.keys(body.fields ?? body)).toEqual(expect.arrayContaining(["rules[0].probability", "rules[1].pass"]));
  });

  it("pass + delayMs: the real reply, late (a latency spike)", async () => {
    await t.admin("POST", "/faults", { rules: [{ pass: true, delayMs: 150 }] });
    const started = Date.now();
    const r = await raw();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toHaveLength(1);
  });

  it("reset: the connection drops with no reply; with afterHandler, the write happened first", async () => {
    await t.admin("POST", "/faults", {
      rules: [
        { method: "POST", reset: true },
        { method: "POST", reset: true, afterHandler: true },
      ],
    });
    expect((await raw("POST", { name: "before" })).status).toBe(0);
    expect((await raw("POST", { name: "after" })).status).toBe(0);
    expect(await names()).toEqual(expect.arrayContaining(["after"]));
    expect(await names()).not.toContain("before");
  });

  it("reset and truncateAt without afterHandler: the handler never runs (nothing is written)", async () => {
    await t.admin("POST", "/faults", {
      rules: [
        { method: "POST", truncateAt: 5 },
        { method: "POST", reset: true },
      ],
    });
    expect((await raw("POST", { name: "cut" })).error).toMatch(/terminated|UND_ERR_SOCKET/);
    expect((await raw("POST", { name: "dropped" })).status).toBe(0);
    expect(await names()).not.toEqual(expect.arrayContaining(["cut"]));
    expect(await names()).not.toEqual(expect.arrayContaining(["dropped"]));
    // The server goes on serving normally.
    expect((await raw()).status).toBe(200);
  });

  it("truncateAt: the head and the first bytes under the full Content-Length, then the connection drops", async () => {
    await t.admin("POST", "/faults", { rules: [{ method: "GET", truncateAt: 12, afterHandler: true }] });
    const r = await raw();
    expect(r.status).toBe(200);
    expect(Number(r.length)).toBeGreaterThan(12);
    expect(r.error).toMatch(/terminated|UND_ERR_SOCKET/);
  });
});

describe("the Cloudsmith client in a storm", () => {
  it("retries a GET through a reset, a truncated body and a 503, then succeeds", async () => {
    await t.admin("POST", "/faults", {
      rules: [
        { method: "GET", reset: true, times: 1 },
        { method: "GET", truncateAt: 8, afterHandler: true, times: 1 },
        { method: "GET", status: 503, times: 1 },
      ],
    });
    const c = client();
    expect(await c.entitlements.list("acme", "prod")).toHaveLength(1);
    expect(c.stats.retries).toBe(3);
  });

  it("never re-sends a POST whose connection dropped after sending: an ambiguous NetworkError", async () => {
    await t.admin("POST", "/faults", { rules: [{ method: "POST", reset: true, afterHandler: true }] });
    const err = await client()
      .entitlements.create("acme", "prod", { name: "once" } as never)
      .catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.ambiguous).toBe(true);
    expect((await names()).filter((n: string) => n === "once")).toHaveLength(1);
  });

  it("a POST answered with a malformed 2xx body is an ambiguous ResponseShapeError that names no value", async () => {
    await t.admin("POST", "/faults", {
      rules: [{ method: "POST", status: 201, body: '{"token": "s3cr3t-value', afterHandler: true }],
    });
    const err = await client()
      .entitlements.create("acme", "prod", { name: "shape" } as never)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err.ambiguous).toBe(true);
    expect(err.message).not.toContain("s3cr3t");
  });
});
