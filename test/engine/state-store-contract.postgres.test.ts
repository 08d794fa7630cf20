import { Client } from "pg";
import { PostgresStateStore, StateCorruptError, StateLockedError } from "../../src/engine";
import { describePostgres, startPostgres, type TestPostgres } from "../helpers/postgres";
import { stateStoreContract } from "../helpers/state-store-contract";

let pg: TestPostgres;
let admin: Client;

describePostgres("StateStore contract: PostgreSQL backend", () => {
  beforeAll(async () => {
    pg = await startPostgres();
    admin = new Client({ connectionString: pg.url });
    await admin.connect();
  }, 30_000);
  afterAll(async () => {
    await admin?.end();
    await pg?.stop();
  });
  // Each test starts from a database without reposmith's tables: the schema is created on first use.
  beforeEach(async () => {
    await admin.query("DROP TABLE IF EXISTS reposmith_state, reposmith_locks");
  });

  stateStoreContract(() => ({
    open: async () => new PostgresStateStore(pg.url),
    corrupt: async (stack) => {
      await admin.query(`UPDATE reposmith_state SET resources = '{"a": {"kind": 1}}'::jsonb WHERE stack = $1`, [stack]);
    },
    edit: async (stack, change) => {
      const doc = (await admin.query("SELECT version, resources FROM reposmith_state WHERE stack = $1", [stack]))
        .rows[0];
      change(doc);
      await admin.query("UPDATE reposmith_state SET version = $2, resources = $3::jsonb WHERE stack = $1", [
        stack,
        doc.version,
        JSON.stringify(doc.resources),
      ]);
    },
    previous: async (stack) =>
      (await admin.query("SELECT previous FROM reposmith_state WHERE stack = $1", [stack])).rows[0]?.previous ??
      undefined,
  }));

  describe("PostgreSQL specifics", () => {
    it("creates its schema on first use, also when several processes start at once", async () => {
      const stores = [1, 2, 3].map(() => new PostgresStateStore(pg.url));
      await Promise.all(stores.map((s) => s.read("app")));
      const t = await admin.query(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'reposmith_%' ORDER BY 1",
      );
      expect(t.rows.map((r) => r.table_name)).toEqual(["reposmith_locks", "reposmith_state"]);
      await Promise.all(stores.map((s) => s.close()));
    });

    it("never shows the password and names the previous version when state is corrupt", async () => {
      const store = new PostgresStateStore(pg.url.replace("postgres@", "postgres:s3cr3t-pw@"));
      expect(store.location).not.toContain("s3cr3t-pw");
      const s = await store.write(await store.read("app"));
      await store.write(s);
      await admin.query(`UPDATE reposmith_state SET serial = -4 WHERE stack = 'app'`);
      const err = await store.read("app").catch((e) => e);
      expect(err).toBeInstanceOf(StateCorruptError);
      expect(err.message).toMatch(/previous version is kept in reposmith_state\.previous/);
      expect(err.message).not.toContain("s3cr3t-pw");
      await store.close();
    });

    it("names the store (never the password) when the database cannot be used", async () => {
      const store = new PostgresStateStore(
        pg.url.replace("postgres@", "postgres:s3cr3t-pw@").replace(/\/postgres$/, "/nodb"),
      );
      try {
        const err = await store.read("app").then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.message).toMatch(
          /^PostgreSQL state store postgres:\/\/postgres(:\*+)?@127\.0\.0\.1:\d+\/nodb: database "nodb" does not exist/,
        );
        expect(err?.message).not.toContain("s3cr3t-pw");
      } finally {
        await store.close();
      }
    });

    it("frees a lock when its holder's session dies, and close() releases held locks", async () => {
      const a = new PostgresStateStore(pg.url);
      const b = new PostgresStateStore(pg.url);
      const lock = await a.lock("app", "reposmith apply");
      // Kill the holder's backend, as a crashed machine would: the advisory lock goes with it.
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()",
      );
      await lock.lost;
      const again = await b.lock("app", "reposmith reconcile");
      await b.close(); // releases `again`
      const c = new PostgresStateStore(pg.url);
      const third = await c.lock("app", "x");
      await third.release();
      await expect(b.lock("app", "y")).rejects.toThrow(); // closed store
      await Promise.all([a.close(), c.close()]);
      expect(again).toBeDefined();
    });

    it("has one controller leader lock per database, naming its holder", async () => {
      const a = new PostgresStateStore(pg.url);
      const b = new PostgresStateStore(pg.url);
      const leader = await a.lockLeader("reposmith reconcile --watch");
      const err = await b.lockLeader("reposmith reconcile --watch").catch((e) => e);
      expect(err).toBeInstanceOf(StateLockedError);
      expect(err.message).toMatch(/locked by reposmith reconcile --watch/);
      // The leader lock does not block stack locks.
      await (await b.lock("app", "apply")).release();
      await leader.release();
      await (await b.lockLeader("x")).release();
      await Promise.all([a.close(), b.close()]);
    });
  });
});
