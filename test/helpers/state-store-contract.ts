import { hostname } from "node:os";
import {
  StateCorruptError,
  StateLockedError,
  StateTooNewError,
  type StackState,
  type StateStore,
} from "../../src/engine";

/** What the shared suite needs from one backend. */
export interface StoreFixture {
  /** A new, independent store on the same location (another process would open the same). */
  open(): Promise<StateStore>;
  /** Makes the stored state of `stack` unreadable. */
  corrupt(stack: string): Promise<void>;
  /** Rewrites the stored state of `stack` by hand (as an older or newer reposmith might have left it). */
  edit(stack: string, change: (doc: Record<string, any>) => void): Promise<void>;
  /** The version the last write replaced. */
  previous(stack: string): Promise<Pick<StackState, "serial" | "resources"> | undefined>;
}

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  kind: "EntitlementToken",
  id,
  generation: "g1",
  spec: {
    owner: "acme",
    repository: "prod",
    name: "ci",
    limits: { numDownloads: 5 },
    metadata: { team: "ops", nested: [1, "two", null] },
  },
  observed: { slug_perm: id.split(".")[2], is_active: true, limit_num_downloads: 5 },
  connection: { apiUrl: "http://127.0.0.1:1/v1", apiKeyEnv: "CLOUDSMITH_API_KEY" },
  appliedAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

/**
 * The behaviour every StateStore must show (docs/architecture.md#state), run against each backend with a
 * fresh, empty location per test. `fixture()` is called inside the tests, after beforeEach set it up.
 */
export function stateStoreContract(fixture: () => StoreFixture): void {
  const opened: StateStore[] = [];
  const open = async () => {
    const s = await fixture().open();
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it("reads an unknown stack as empty state (serial 0, a lineage, no resources) and lists nothing", async () => {
    const store = await open();
    const s = await store.read("app");
    expect(s).toMatchObject({ version: 1, stack: "app", serial: 0, resources: {} });
    expect(s.lineage).toMatch(/\S{8,}/);
    expect(await store.stacks()).toEqual([]);
  });

  it("round-trips resources exactly, bumps the serial on each write and keeps the lineage", async () => {
    const store = await open();
    const s0 = await store.read("app");
    const s1 = await store.write({
      ...s0,
      resources: { "app/ci": entry("acme.prod.aaa", { lifecycle: { deletionPolicy: "delete" } }) },
    });
    expect(s1.serial).toBe(1);
    const s2 = await store.write({ ...s1, resources: { ...s1.resources, "app/b": entry("acme.prod.bbb") } });
    expect(s2.serial).toBe(2);
    const other = await open();
    const back = await other.read("app");
    expect(back).toEqual({
      version: 1,
      stack: "app",
      lineage: s0.lineage,
      serial: 2,
      resources: {
        "app/ci": entry("acme.prod.aaa", { lifecycle: { deletionPolicy: "delete" } }),
        "app/b": entry("acme.prod.bbb"),
      },
    });
  });

  it("reads states its caller may change: adding and removing entries changes neither the store nor the next read", async () => {
    const store = await open();
    await store.write({ ...(await store.read("app")), resources: { a: entry("acme.prod.aaa") } });
    const read = await store.read("app");
    delete read.resources.a;
    read.resources.b = entry("acme.prod.bbb");
    read.serial = 99;
    const again = await store.read("app");
    expect(Object.keys(again.resources)).toEqual(["a"]);
    expect(again.serial).toBe(1);
  });

  it("keeps the previous version on every write", async () => {
    const store = await open();
    const s1 = await store.write({ ...(await store.read("app")), resources: { a: entry("acme.prod.aaa") } });
    await store.write({ ...s1, resources: {} });
    const prev = await fixture().previous("app");
    expect(prev?.serial).toBe(1);
    expect(Object.keys(prev?.resources ?? {})).toEqual(["a"]);
  });

  it("lists the stacks that have state, and keeps stacks apart", async () => {
    const store = await open();
    await store.write({ ...(await store.read("b")), resources: { x: entry("acme.prod.xxx") } });
    await store.write({ ...(await store.read("a")), resources: {} });
    expect((await store.stacks()).sort()).toEqual(["a", "b"]);
    expect(Object.keys((await store.read("a")).resources)).toEqual([]);
    expect(Object.keys((await store.read("b")).resources)).toEqual(["x"]);
  });

  it("refuses invalid stack names", async () => {
    const store = await open();
    await expect(store.read("../etc")).rejects.toThrow(/invalid stack name/);
    await expect(store.lock("a b", "x")).rejects.toThrow(/invalid stack name/);
  });

  it("refuses a second locker of the same stack, naming the holder; release lets the next in", async () => {
    const a = await open();
    const b = await open();
    const lock = await a.lock("app", "reposmith apply");
    const err = await b.lock("app", "reposmith reconcile").catch((e) => e);
    expect(err).toBeInstanceOf(StateLockedError);
    expect(err.stackName).toBe("app");
    expect(err.holder).toMatchObject({ pid: process.pid, host: hostname(), operation: "reposmith apply" });
    expect(err.message).toMatch(new RegExp(`locked by reposmith apply \\(pid ${process.pid} on `));
    await lock.release();
    await lock.release(); // idempotent
    const next = await b.lock("app", "reposmith reconcile");
    await next.release();
  });

  it("locks stacks independently", async () => {
    const store = await open();
    const la = await store.lock("a", "op");
    const lb = await (await open()).lock("b", "op");
    await Promise.all([la.release(), lb.release()]);
  });

  it("lets exactly one of many concurrent lockers win", async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => open()));
    const results = await Promise.allSettled(stores.map((s) => s.lock("app", "race")));
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StateLockedError);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it("refuses unreadable state with StateCorruptError instead of treating it as empty", async () => {
    const store = await open();
    await store.write({ ...(await store.read("app")), resources: { a: entry("acme.prod.aaa") } });
    await fixture().corrupt("app");
    await expect((await open()).read("app")).rejects.toBeInstanceOf(StateCorruptError);
  });

  it("refuses state written in a newer format, telling the user to upgrade, and leaves it as it was", async () => {
    const store = await open();
    await store.write({ ...(await store.read("app")), resources: { a: entry("acme.prod.aaa") } });
    await fixture().edit("app", (doc) => (doc.version = 2));
    const err = await (await open()).read("app").catch((e) => e);
    expect(err).toBeInstanceOf(StateTooNewError);
    expect(err.message).toMatch(
      /written by a newer reposmith \(state format 2; this reposmith reads format 1\); upgrade reposmith/,
    );
    await fixture().edit("app", (doc) => {
      expect(doc.version).toBe(2);
      expect(Object.keys(doc.resources)).toEqual(["a"]);
    });
  });

  it("drops lifecycle settings it does not know, as it drops unknown entry fields, and keeps the ones it knows", async () => {
    const store = await open();
    await store.write({
      ...(await store.read("app")),
      resources: { a: entry("acme.prod.aaa", { lifecycle: { deletionPolicy: "retain" } }) },
    });
    await fixture().edit("app", (doc) => {
      doc.resources.a.lifecycle.retainFor = "30d";
      doc.resources.a.someLaterField = true;
    });
    const read = await (await open()).read("app");
    expect(read.resources.a.lifecycle).toEqual({ deletionPolicy: "retain" });
    expect(read.resources.a).not.toHaveProperty("someLaterField");
  });
}
