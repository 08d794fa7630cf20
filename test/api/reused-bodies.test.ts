/**
 * Answers that come back byte for byte are given the value they parsed to before (api/http/reused-bodies.ts):
 * only for the very same bytes, never for a write, frozen, and within a bound.
 */
import { ReusedBodies, reusedBodies } from "../../src/api/http/reused-bodies";
import { makeClient, startServer, token, type TestServer } from "./helpers";

describe("ReusedBodies", () => {
  const bytes = (s: string) => Buffer.from(s, "utf8");

  it("gives the value back for the same bytes only", () => {
    const cache = new ReusedBodies();
    const value = [{ name: "ci" }];
    cache.set("u", bytes('[{"name":"ci"}]'), value);
    expect(cache.get("u", bytes('[{"name":"ci"}]'))?.value).toBe(value);
    expect(cache.get("u", bytes('[{"name":"cd"}]'))).toBeUndefined();
    expect(cache.get("u", bytes('[{"name":"ci"}] '))).toBeUndefined();
    expect(cache.get("other", bytes('[{"name":"ci"}]'))).toBeUndefined();
  });

  it("keeps its own copy of the bytes: the transport reuses its read buffers", () => {
    const cache = new ReusedBodies();
    const read = bytes('[{"name":"ci"}]');
    cache.set("u", read, []);
    read.write("XX", 3);
    expect(cache.get("u", read)).toBeUndefined();
    expect(cache.get("u", bytes('[{"name":"ci"}]'))).toBeDefined();
  });

  it("freezes the value to the last nested object", () => {
    const value = [{ name: "ci", metadata: { team: { lead: "a" } }, tags: ["x"] }];
    new ReusedBodies().set("u", bytes("[]"), value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value[0])).toBe(true);
    expect(Object.isFrozen(value[0].metadata.team)).toBe(true);
    expect(Object.isFrozen(value[0].tags)).toBe(true);
    expect(() => {
      (value[0].metadata.team as Record<string, string>).lead = "b";
    }).toThrow(TypeError);
  });

  it("keeps at most its bound of bytes, dropping the least recently used first", () => {
    const cache = new ReusedBodies(10);
    cache.set("a", bytes("1234"), 1);
    cache.set("b", bytes("5678"), 2);
    expect(cache.get("a", bytes("1234"))).toBeDefined(); // a is now the more recent
    cache.set("c", bytes("9012"), 3);
    expect(cache.get("b", bytes("5678"))).toBeUndefined();
    expect(cache.get("a", bytes("1234"))?.value).toBe(1);
    expect(cache.get("c", bytes("9012"))?.value).toBe(3);
    expect(cache.size).toEqual({ bodies: 2, bytes: 8 });
    cache.set("big", bytes("12345678901"), 4);
    expect(cache.get("big", bytes("12345678901"))).toBeUndefined();
    expect(cache.size.bodies).toBe(2);
  });
});

describe("the transport reuses what a list page parsed to", () => {
  let server: TestServer | undefined;
  let body: unknown[] = [];
  let served = 0;

  beforeEach(async () => {
    reusedBodies.clear();
    served = 0;
    body = [token("ci", { metadata: { team: "a" } }), token("cd")];
    server = await startServer(() => {
      served++;
      return { status: 200, body };
    });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("asks every time, and gives the same frozen tokens when the page is byte for byte the same", async () => {
    const client = makeClient(server!);
    const first = await client.entitlements.list("acme", "prod");
    const second = await makeClient(server!).entitlements.list("acme", "prod");
    expect(served).toBe(2);
    expect(second).toBe(first);
    expect(Object.isFrozen(first[0])).toBe(true);
    expect(client.stats.reused).toBe(0);
  });

  it("parses again when any byte differs, and gives what the server says now", async () => {
    const client = makeClient(server!);
    const first = await client.entitlements.list("acme", "prod");
    body = [token("ci", { metadata: { team: "b" } }), token("cd")];
    const second = await client.entitlements.list("acme", "prod");
    expect(second).not.toBe(first);
    expect(second[0].metadata).toEqual({ team: "b" });
    expect(first[0].metadata).toEqual({ team: "a" });
    expect(client.stats.reused).toBe(0);
    const third = await client.entitlements.list("acme", "prod");
    expect(third).toBe(second);
    expect(client.stats.reused).toBe(1);
  });

  it("keys by URL: another repository's identical page is parsed for itself", async () => {
    const client = makeClient(server!);
    const prod = await client.entitlements.list("acme", "prod");
    const dev = await client.entitlements.list("acme", "dev");
    expect(dev).not.toBe(prod);
    expect(dev).toEqual(prod);
  });

  it("a single read is never reused, nor is a write's answer", async () => {
    body = token("ci") as never;
    const client = makeClient(server!);
    const a = await client.entitlements.read("acme", "prod", "sp-ci");
    const b = await client.entitlements.read("acme", "prod", "sp-ci");
    expect(b).not.toBe(a);
    const c = await client.entitlements.create("acme", "prod", { name: "ci" });
    const d = await client.entitlements.create("acme", "prod", { name: "ci" });
    expect(d).not.toBe(c);
    expect(Object.isFrozen(a)).toBe(false);
    expect(client.stats.reused).toBe(0);
  });
});
