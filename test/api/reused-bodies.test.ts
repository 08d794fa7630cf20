/**
 * Answers that come back byte for byte are given what the caller kept of them before
 * (api/http/reused-bodies.ts): only for the very same bytes and projection, never for a write, frozen, and within a bound.
 */
import { ReusedBodies, reusedBodies } from "../../src/api/http/reused-bodies";
import type { RepositoryToken } from "../../src/api/cloudsmith";
import { makeClient, startServer, token, type TestServer } from "./helpers";

describe("ReusedBodies", () => {
  const bytes = (s: string) => Buffer.from(s, "utf8");
  const as = (x: unknown) => x;

  it("gives the value back for the same bytes only", () => {
    const cache = new ReusedBodies();
    const value = [{ name: "ci" }];
    cache.set("u", bytes('[{"name":"ci"}]'), as, value);
    expect(cache.get("u", bytes('[{"name":"ci"}]'), as)?.value).toBe(value);
    expect(cache.get("u", bytes('[{"name":"cd"}]'), as)).toBeUndefined();
    expect(cache.get("u", bytes('[{"name":"ci"}] '), as)).toBeUndefined();
    expect(cache.get("other", bytes('[{"name":"ci"}]'), as)).toBeUndefined();
  });

  it("gives it only to the projection that made it", () => {
    const cache = new ReusedBodies();
    cache.set("u", bytes("[1]"), as, [1]);
    expect(cache.get("u", bytes("[1]"), (x: unknown) => x)).toBeUndefined();
    expect(cache.get("u", bytes("[1]"), as)?.value).toEqual([1]);
  });

  it("gives the bytes it kept to compare the next answer with, for the projection that kept them", () => {
    const cache = new ReusedBodies();
    const read = bytes('[{"name":"ci"}]');
    cache.set("u", read, as, []);
    expect(cache.bytesOf("u", as)).toBe(read);
    expect(cache.bytesOf("u", (x: unknown) => x)).toBeUndefined();
    expect(cache.bytesOf("other", as)).toBeUndefined();
    expect(cache.get("u", read, as)).toBeDefined();
  });

  it("freezes the value to the last nested object", () => {
    const value = [{ name: "ci", metadata: { team: { lead: "a" } }, tags: ["x"] }];
    new ReusedBodies().set("u", bytes("[]"), as, value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value[0])).toBe(true);
    expect(Object.isFrozen(value[0].metadata.team)).toBe(true);
    expect(Object.isFrozen(value[0].tags)).toBe(true);
    expect(() => {
      (value[0].metadata.team as Record<string, string>).lead = "b";
    }).toThrow(TypeError);
  });

  it("freezes what is inside an object already frozen (a listed token is frozen, its metadata not)", () => {
    const value = Object.freeze({ name: "ci", metadata: { team: "a" } });
    new ReusedBodies().set("u", bytes("{}"), as, value);
    expect(Object.isFrozen(value.metadata)).toBe(true);
  });

  it("keeps at most its bound of bytes, dropping the least recently used first", () => {
    const cache = new ReusedBodies(10);
    cache.set("a", bytes("1234"), as, 1);
    cache.set("b", bytes("5678"), as, 2);
    expect(cache.get("a", bytes("1234"), as)).toBeDefined(); // a is now the more recent
    cache.set("c", bytes("9012"), as, 3);
    expect(cache.get("b", bytes("5678"), as)).toBeUndefined();
    expect(cache.get("a", bytes("1234"), as)?.value).toBe(1);
    expect(cache.get("c", bytes("9012"), as)?.value).toBe(3);
    expect(cache.size).toEqual({ bodies: 2, bytes: 8 });
    cache.set("big", bytes("12345678901"), as, 4);
    expect(cache.get("big", bytes("12345678901"), as)).toBeUndefined();
    expect(cache.size.bodies).toBe(2);
  });
});

describe("the transport reuses what a caller kept of a list page", () => {
  let server: TestServer | undefined;
  let body: unknown[] = [];
  let served = 0;
  // What a caller keeps of each token: here its name and metadata, never the secret.
  const keep = (t: RepositoryToken) => ({ name: t.name, metadata: t.metadata ?? null });

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

  it("asks every time, and gives the same frozen kept tokens when the page is byte for byte the same", async () => {
    const client = makeClient(server!);
    const first = await client.entitlements.list("acme", "prod", { keep });
    expect(first).toEqual([
      { name: "ci", metadata: { team: "a" } },
      { name: "cd", metadata: null },
    ]);
    const other = makeClient(server!);
    const second = await other.entitlements.list("acme", "prod", { keep });
    expect(served).toBe(2);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first[0].metadata)).toBe(true);
    expect([client.stats.reused, other.stats.reused]).toEqual([0, 1]);
  });

  it("parses again when any byte differs, and gives what the server says now", async () => {
    const client = makeClient(server!);
    const first = await client.entitlements.list("acme", "prod", { keep });
    body = [token("ci", { metadata: { team: "b" } }), token("cd")];
    const second = await client.entitlements.list("acme", "prod", { keep });
    expect(second).not.toBe(first);
    expect(second[0].metadata).toEqual({ team: "b" });
    expect(first[0].metadata).toEqual({ team: "a" });
    expect(client.stats.reused).toBe(0);
    const third = await client.entitlements.list("acme", "prod", { keep });
    expect(third).toBe(second);
    expect(client.stats.reused).toBe(1);
  });

  it("keys by URL: another repository's identical page is parsed for itself", async () => {
    const client = makeClient(server!);
    const prod = await client.entitlements.list("acme", "prod", { keep });
    const dev = await client.entitlements.list("acme", "dev", { keep });
    expect(dev).not.toBe(prod);
    expect(dev).toEqual(prod);
  });

  it("without keep nothing is reused, and the tokens are the caller's own", async () => {
    const client = makeClient(server!);
    const a = await client.entitlements.list("acme", "prod");
    const b = await client.entitlements.list("acme", "prod");
    expect(b).not.toBe(a);
    expect(Object.isFrozen(a[0])).toBe(false);
    expect(a[0].token).toBe("masked");
    expect(client.stats.reused).toBe(0);
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
    expect(client.stats.reused).toBe(0);
  });
});
