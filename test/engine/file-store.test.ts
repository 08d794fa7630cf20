import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { FileStateStore, StateCorruptError, StateLockedError, emptyState } from "../../src/engine";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-state-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = {
  kind: "EntitlementToken",
  id: "acme.prod.abc",
  generation: "g",
  spec: {},
  observed: {},
  appliedAt: "2026-01-01T00:00:00Z",
};

describe("FileStateStore", () => {
  it("starts empty, bumps the serial on each write, keeps lineage and the previous version", async () => {
    const store = new FileStateStore(dir);
    const s0 = await store.read("app");
    expect(s0).toMatchObject({ serial: 0, resources: {} });
    const s1 = await store.write({ ...s0, resources: { a: entry } });
    const s2 = await store.write({ ...s1, resources: {} });
    expect(s2.serial).toBe(2);
    const back = await store.read("app");
    expect(back.lineage).toBe(s0.lineage);
    expect(JSON.parse(readFileSync(path.join(dir, "app.json.backup"), "utf8")).resources).toHaveProperty("a");
    expect(statSync(path.join(dir, "app.json")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, "app.json.backup")).mode & 0o777).toBe(0o600);
  });

  it("writes one resource per line, compact, and reads back exactly what it wrote", async () => {
    const store = new FileStateStore(dir);
    const resources = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [
        `app/t${i}`,
        { ...entry, id: `acme.prod.t${i}`, observed: { name: `t${i}`, limit: null, metadata: { key: `app/t${i}` } } },
      ]),
    );
    await store.write({ ...emptyState("app"), resources });
    const lines = readFileSync(path.join(dir, "app.json"), "utf8").trimEnd().split("\n");
    // {, version, stack, lineage, serial, "resources": {, one line each, }, }
    expect(lines).toHaveLength(6 + 50 + 2);
    const t7 = lines.find((l) => l.includes('"app/t7"'))!;
    expect(JSON.parse(`{${t7.replace(/,$/, "")}}`)).toEqual({ "app/t7": resources["app/t7"] });
    expect((await store.read("app")).resources).toEqual(resources);
  });

  it("reads back text outside ASCII exactly (names, metadata)", async () => {
    const store = new FileStateStore(dir);
    const observed = { name: "jeton-équipe-東京-🚀", metadata: { note: "naïve \u2028 line" } };
    await store.write({ ...emptyState("app"), resources: { "app/é": { ...entry, observed } } });
    expect((await store.read("app")).resources["app/é"].observed).toEqual(observed);
  });

  it("reads a state file written indented, as reposmith wrote them before", async () => {
    const old = { version: 1, stack: "app", lineage: "l-1", serial: 4, resources: { "app/a": entry } };
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "app.json"), JSON.stringify(old, null, 2) + "\n");
    const store = new FileStateStore(dir);
    expect(await store.read("app")).toEqual(old);
    const next = await store.write(await store.read("app"));
    expect(next.serial).toBe(5);
    expect(JSON.parse(readFileSync(path.join(dir, "app.json"), "utf8"))).toEqual({ ...old, serial: 5 });
  });

  it("refuses a truncated state file and names the backup to restore", async () => {
    const store = new FileStateStore(dir);
    const s1 = await store.write(emptyState("app"));
    await store.write(s1);
    writeFileSync(path.join(dir, "app.json"), '{"version":1,"stack":"app","lin');
    await expect(store.read("app")).rejects.toThrow(StateCorruptError);
    await expect(store.read("app")).rejects.toThrow(/cp .*app\.json\.backup .*app\.json/);
  });

  it("refuses a second writer and names the lock holder; release lets the next one in", async () => {
    const store = new FileStateStore(dir);
    const lock = await store.lock("app", "reposmith apply");
    const err = await store.lock("app", "reposmith apply").catch((e) => e);
    expect(err).toBeInstanceOf(StateLockedError);
    expect(err.message).toMatch(new RegExp(`locked by reposmith apply \\(pid ${process.pid} on `));
    await lock.release();
    const again = await store.lock("app", "reposmith destroy");
    await again.release();
    expect(existsSync(path.join(dir, "app.json.lock.json"))).toBe(false);
  });

  it("takes over a lock whose holder on this machine is dead", async () => {
    const store = new FileStateStore(dir);
    // What a killed `reposmith apply` leaves: a fresh lock directory and a holder record naming a
    // process that no longer exists (pids this high are never used).
    mkdirSync(path.join(dir, "app.json.lock"));
    writeFileSync(
      path.join(dir, "app.json.lock.json"),
      JSON.stringify({ pid: 4_000_000, host: hostname(), operation: "reposmith apply", since: "x" }),
    );
    const lock = await store.lock("app", "reposmith apply");
    expect(JSON.parse(readFileSync(path.join(dir, "app.json.lock.json"), "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
});

describe("FileStateStore reads of an unchanged file", () => {
  it("are the caller's own to change, and leave the next read as the file is; an entry changed in place throws", async () => {
    const store = new FileStateStore(dir);
    const s0 = await store.read("app");
    await store.write({ ...s0, resources: { a: entry, b: { ...entry, id: "acme.prod.b" } } });
    const first = await store.read("app");
    first.resources.c = { ...entry, id: "acme.prod.c" };
    delete first.resources.b;
    first.serial = 99;
    // Entries are shared between reads of the same bytes: one changed in place would change the next read.
    expect(() => {
      (first.resources.a as { id: string }).id = "changed";
    }).toThrow(TypeError);
    for (const second of [await store.read("app"), await new FileStateStore(dir).read("app")]) {
      expect(Object.keys(second.resources).sort()).toEqual(["a", "b"]);
      expect(second.resources.a.id).toBe("acme.prod.abc");
      expect(second.serial).toBe(1);
    }
  });

  it("see a state file changed by hand, byte for byte", async () => {
    const store = new FileStateStore(dir);
    const s0 = await store.read("app");
    await store.write({ ...s0, resources: { a: entry } });
    expect((await store.read("app")).resources.a.id).toBe("acme.prod.abc");
    const file = path.join(dir, "app.json");
    writeFileSync(file, readFileSync(file, "utf8").replace("acme.prod.abc", "acme.prod.xyz"));
    expect((await store.read("app")).resources.a.id).toBe("acme.prod.xyz");
  });
});
