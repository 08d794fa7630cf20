import { hostname } from "node:os";
import { Client, Pool, type ClientConfig } from "pg";
import {
  checkStateVersion,
  parseStackState,
  StateCorruptError,
  StateLockedError,
  emptyState,
  type LockHolder,
  type StackState,
  type StateLock,
  type StateStore,
} from "./types";
import { invalidStackName } from "../messages";

/** A lock held on its own session; `lost` settles if that session dies (the lock is then gone). */
export interface SessionLock extends StateLock {
  readonly lost: Promise<Error>;
}

/** Advisory-lock class ids (the two-int form keeps reposmith's locks apart from an application's own). */
const STACK_LOCK_CLASS = 0x5253_0001;
const LEADER_LOCK_CLASS = 0x5253_0002;
const SCHEMA_LOCK = [0x5253_0003, 0] as const;

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS reposmith_state (
  stack      text PRIMARY KEY,
  version    integer NOT NULL,
  lineage    text NOT NULL,
  serial     integer NOT NULL,
  resources  jsonb NOT NULL,
  previous   jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS reposmith_locks (
  name      text PRIMARY KEY,
  pid       integer NOT NULL,
  host      text NOT NULL,
  operation text NOT NULL,
  since     timestamptz NOT NULL
);`;

export class PostgresStateCorruptError extends StateCorruptError {
  constructor(location: string, stack: string, reason: string, hasPrevious: boolean) {
    super(`${location} (stack "${stack}")`, reason, undefined);
    this.message =
      `state of stack "${stack}" in ${location} is unreadable (${reason}); refusing to continue. ` +
      (hasPrevious
        ? `The previous version is kept in reposmith_state.previous: ` +
          `UPDATE reposmith_state SET (version, lineage, serial, resources) = (SELECT (previous->>'version')::int, ` +
          `previous->>'lineage', (previous->>'serial')::int, previous->'resources') WHERE stack = '${stack}'`
        : "No previous version exists; DELETE its row and re-run to re-adopt tokens by their reposmith tags.");
  }
}

export class PostgresStateLockedError extends StateLockedError {
  constructor(stack: string, holder: LockHolder | undefined, location: string) {
    super(stack, holder, location);
    this.message = this.message.replace(
      /; wait for it.*$/,
      `; wait for it to finish (PostgreSQL releases the lock as soon as that session ends; ${location})`,
    );
  }
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db` (never print a password). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

/**
 * State in PostgreSQL, for teams and controllers on several machines. One row per stack in
 * `reposmith_state` (the previous version kept in `previous`), created on first use. Writers are
 * serialised by session-level advisory locks on the stack name; `reposmith_locks` records who holds
 * each so StateLockedError can name them. Each held lock has its own connection: it is released by
 * release(), by close(), or by PostgreSQL when that session dies (no stale locks).
 */
export class PostgresStateStore implements StateStore {
  readonly location: string;
  private readonly pool: Pool;
  private schemaReady: Promise<void> | undefined;
  private readonly held = new Set<StateLock>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly config: Partial<ClientConfig> = {},
  ) {
    this.location = redactUrl(url);
    this.pool = new Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 5_000,
      ...config,
    });
    // An idle pooled connection that dies (server restart) must not crash the process.
    this.pool.on("error", () => undefined);
  }

  private ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const c = await this.pool.connect();
      try {
        // Two processes starting together must not race on CREATE TABLE IF NOT EXISTS.
        await c.query("BEGIN");
        await c.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", [...SCHEMA_LOCK]);
        await c.query(SCHEMA_SQL);
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    })().catch((err) => {
      this.schemaReady = undefined;
      // Say which store failed ("database "x" does not exist" alone does not); never the password.
      if (err instanceof Error && !err.message.startsWith("PostgreSQL state store"))
        err.message = `PostgreSQL state store ${this.location}: ${err.message}`;
      throw err;
    });
    return this.schemaReady;
  }

  async read(stack: string): Promise<StackState> {
    checkName(stack);
    await this.ensureSchema();
    const r = await this.pool.query(
      "SELECT version, stack, lineage, serial, resources, previous IS NOT NULL AS has_previous " +
        "FROM reposmith_state WHERE stack = $1",
      [stack],
    );
    if (r.rowCount === 0) return emptyState(stack);
    const { has_previous, ...row } = r.rows[0] as Record<string, unknown>;
    checkStateVersion(row, `of stack "${stack}" in ${this.location}`);
    const parsed = parseStackState(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PostgresStateCorruptError(
        this.location,
        stack,
        `${issue.path.join(".") || "row"}: ${issue.message}`,
        !!has_previous,
      );
    }
    return parsed.data as StackState;
  }

  async write(state: StackState): Promise<StackState> {
    checkName(state.stack);
    await this.ensureSchema();
    const next: StackState = { ...state, serial: state.serial + 1 };
    await this.pool.query(
      `INSERT INTO reposmith_state AS s (stack, version, lineage, serial, resources)
       VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (stack) DO UPDATE SET
         version = EXCLUDED.version, lineage = EXCLUDED.lineage, serial = EXCLUDED.serial,
         resources = EXCLUDED.resources,
         previous = jsonb_build_object('version', s.version, 'stack', s.stack, 'lineage', s.lineage,
                                       'serial', s.serial, 'resources', s.resources),
         updated_at = now()`,
      [next.stack, next.version, next.lineage, next.serial, JSON.stringify(next.resources)],
    );
    return next;
  }

  async lock(stack: string, operation: string): Promise<SessionLock> {
    checkName(stack);
    return this.acquire(STACK_LOCK_CLASS, stack, stack, operation);
  }

  /**
   * The controller's leader lock: one reconciling controller per database; others wait as standby.
   * Throws StateLockedError (naming the leader) when another session holds it.
   */
  lockLeader(operation: string): Promise<SessionLock> {
    return this.acquire(LEADER_LOCK_CLASS, "controller", "(controller leader)", operation);
  }

  private async acquire(classId: number, name: string, shownName: string, operation: string): Promise<SessionLock> {
    if (this.closed) throw new Error(`state store ${this.location} is closed`);
    await this.ensureSchema();
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 10_000, ...this.config });
    let onLost: (err: Error) => void = () => undefined;
    const lost = new Promise<Error>((resolve) => (onLost = resolve));
    client.on("error", (err) => onLost(err));
    client.on("end", () => onLost(new Error("connection closed")));
    await client.connect();
    let got = false;
    try {
      const r = await client.query("SELECT pg_try_advisory_lock($1::int, hashtext($2::text)) AS got", [
        classId | 0,
        name,
      ]);
      got = r.rows[0].got === true;
      if (!got) {
        const h = await client.query("SELECT pid, host, operation, since FROM reposmith_locks WHERE name = $1", [name]);
        const row = h.rows[0];
        const holder = row && {
          pid: row.pid,
          host: row.host,
          operation: row.operation,
          since: new Date(row.since).toISOString(),
        };
        throw new PostgresStateLockedError(shownName, holder, this.location);
      }
      await client.query(
        `INSERT INTO reposmith_locks (name, pid, host, operation, since) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (name) DO UPDATE SET
           pid = EXCLUDED.pid, host = EXCLUDED.host, operation = EXCLUDED.operation, since = EXCLUDED.since`,
        [name, process.pid, hostname(), operation],
      );
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    let released = false;
    const lock: SessionLock = {
      lost,
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(lock);
        try {
          await client.query("DELETE FROM reposmith_locks WHERE name = $1 AND pid = $2 AND host = $3", [
            name,
            process.pid,
            hostname(),
          ]);
          await client.query("SELECT pg_advisory_unlock($1::int, hashtext($2::text))", [classId | 0, name]);
        } catch {
          /* the session is gone: so is its lock */
        } finally {
          await client.end().catch(() => undefined);
        }
      },
    };
    this.held.add(lock);
    return lock;
  }

  async stacks(): Promise<string[]> {
    await this.ensureSchema();
    const r = await this.pool.query("SELECT stack FROM reposmith_state ORDER BY stack");
    return r.rows.map((x) => x.stack as string);
  }

  /** Releases every lock still held and closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.held].map((l) => l.release()));
    await this.pool.end().catch(() => undefined);
  }
}

function checkName(stack: string): void {
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(stack)) throw new Error(invalidStackName(stack));
}
