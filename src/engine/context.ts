import { CloudsmithClient, type ApiStats, type CloudsmithClientOptions } from "../api/cloudsmith";
import { CodeArtsClient, type CodeArtsClientOptions } from "../api/codearts";
import { canonicalJson } from "../util/canonical";
import type { ClientFactory, ConnectionRef, HandlerContext, ProgressUpdate, SyncPolling } from "../resources/types";

const DEFAULT_CLOUDSMITH_URL = "https://api.cloudsmith.io/v1";

export interface EngineOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra client options (tests use small retry waits). */
  clientOptions?: Partial<CloudsmithClientOptions>;
  /** Extra CodeArts client options (tests use small retry waits). */
  codeartsOptions?: Partial<CodeArtsClientOptions>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Aborted when the user interrupts (Ctrl-C): no new operation starts, and waits stop at their next poll. */
  signal?: AbortSignal;
  onNotice?: (message: string) => void;
  onProgress?: (key: string, update: ProgressUpdate) => void;
  /** How package syncs are waited on; see SyncPolling. @default "adaptive" */
  syncPolling?: SyncPolling;
  /** How long a write may take to show in lists; see HandlerContext.listLagMs. @default LIST_LAG_MS */
  listLagMs?: number;
}

class MissingCredentialsError extends Error {
  constructor(envName: string) {
    super(
      `${envName} is not set: export your Cloudsmith API key as ${envName} (it is read from the environment, ` +
        `never from the stack)`,
    );
    this.name = "MissingCredentialsError";
  }
}

/** Builds one client per connection (URL + key variable) and shares it for the whole run. */
export class EngineClients implements ClientFactory {
  private readonly clients = new Map<string, CloudsmithClient>();
  constructor(private readonly opts: EngineOptions = {}) {}

  cloudsmith(conn: ConnectionRef | undefined): CloudsmithClient {
    const env = this.opts.env ?? process.env;
    const keyEnv = conn?.apiKeyEnv ?? "CLOUDSMITH_API_KEY";
    const baseUrl = conn?.apiUrl ?? env.CLOUDSMITH_API_URL ?? DEFAULT_CLOUDSMITH_URL;
    const id = `${baseUrl}\n${keyEnv}`;
    let client = this.clients.get(id);
    if (!client) {
      const apiKey = env[keyEnv];
      if (!apiKey) throw new MissingCredentialsError(keyEnv);
      client = new CloudsmithClient({ baseUrl, apiKey, apiKeyEnv: keyEnv, ...this.opts.clientOptions });
      this.clients.set(id, client);
    }
    return client;
  }

  /** The Cloudsmith clients built so far (for every API's traffic, see traffic()). */
  all(): CloudsmithClient[] {
    return [...this.clients.values()];
  }

  private readonly codeartsClients = new Map<string, CodeArtsClient>();

  /** One CodeArts client (and IAM token cache) per connection, from `conn.codearts` and the HW_* environment. */
  codearts(conn: ConnectionRef | undefined): CodeArtsClient {
    const ref = conn?.codearts ?? {};
    const id = canonicalJson(ref);
    let client = this.codeartsClients.get(id);
    if (!client) {
      client = CodeArtsClient.fromEnv(this.opts.env ?? process.env, ref, this.opts.codeartsOptions);
      this.codeartsClients.set(id, client);
    }
    return client;
  }

  /**
   * The HTTP counters of every client built so far, named by API. A CodeArts client's IAM logins
   * (POST /v3/auth/tokens) are CodeArts traffic too: they count under "codearts".
   */
  traffic(): ClientTraffic[] {
    return [
      ...[...this.clients.values()].map((c) => ({ api: "cloudsmith" as const, stats: c.stats })),
      ...[...this.codeartsClients.values()].flatMap((c) => [
        { api: "codearts" as const, stats: c.stats },
        { api: "codearts" as const, stats: c.auth.requestStats },
      ]),
    ];
  }
}

/** One client's running HTTP counters (they only grow), and the API they belong to. */
export interface ClientTraffic {
  api: "cloudsmith" | "codearts";
  stats: ApiStats;
}

/**
 * The per-run context handlers see: memoised reads plus the client factory. A long-lived caller
 * (the controller) passes `clients` to keep API clients, and so IAM tokens, across runs, while
 * each run's memoised reads start empty.
 */
export class RunContext implements HandlerContext {
  private readonly cache = new Map<string, Promise<unknown>>();
  readonly notices: string[] = [];
  readonly clients: EngineClients;
  readonly syncPolling: SyncPolling;
  readonly listLagMs: number | undefined;

  constructor(
    private readonly opts: EngineOptions = {},
    clients?: EngineClients,
  ) {
    this.clients = clients ?? new EngineClients(opts);
    this.syncPolling = opts.syncPolling ?? "adaptive";
    this.listLagMs = opts.listLagMs;
  }

  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.cache.set(key, p);
      // A failed read is not cached: the next caller tries again.
      p.catch(() => this.cache.get(key) === p && this.cache.delete(key));
    }
    return p;
  }

  invalidate(prefix: string): void {
    for (const k of [...this.cache.keys()]) if (k.startsWith(prefix)) this.cache.delete(k);
  }

  notice(message: string): void {
    if (this.notices.includes(message)) return;
    this.notices.push(message);
    this.opts.onNotice?.(message);
  }

  progress(key: string, update: ProgressUpdate): void {
    this.opts.onProgress?.(key, update);
  }

  now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  sleep(ms: number): Promise<void> {
    const signal = this.opts.signal;
    if (signal?.aborted) return Promise.resolve();
    const slept = this.opts.sleep ? this.opts.sleep(ms) : new Promise<void>((resolve) => setTimeout(resolve, ms));
    if (!signal) return slept;
    return new Promise<void>((resolve) => {
      const wake = () => resolve();
      signal.addEventListener("abort", wake, { once: true });
      void slept.then(() => {
        signal.removeEventListener("abort", wake);
        resolve();
      });
    });
  }

  interrupted(): boolean {
    return this.opts.signal?.aborted ?? false;
  }
}
