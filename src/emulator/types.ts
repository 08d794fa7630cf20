/**
 * Public types of the emulator. Built from the API documents and the published spec only:
 * nothing here is shared with the project's API clients.
 */

/** A Cloudsmith repository to create (with its default token unless `defaultToken` is false). */
export interface SeedRepository {
  owner: string;
  slug: string;
  /** Create the "Default" token every real repository starts with. @default true */
  defaultToken?: boolean;
}

/**
 * A Cloudsmith entitlement token. Any writable `RepositoryToken` field may be given
 * (`name`, `token`, `is_active`, `limit_*`, `scheduled_reset_*`, `metadata`, ...), plus these
 * otherwise read-only ones: `slug_perm`, `default`, `access_private_broadcasts`, `clients`,
 * `downloads`, `bandwidth` (hidden usage counter), `created_at`, `updated_at`, `user`.
 * A seed token matching an existing one (by `slug_perm`, else by `name`) updates it.
 */
export interface SeedToken {
  owner: string;
  repository: string;
  name: string;
  [field: string]: unknown;
}

/**
 * The one seed format for every API family. Each family reads its own keys; unknown keys are
 * ignored so older emulators accept newer seeds. Later families add keys here (packages, codearts).
 */
export interface SeedDocument {
  repositories?: SeedRepository[];
  tokens?: SeedToken[];
  [family: string]: unknown;
}

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** The only API key accepted (`X-Api-Key: <key>` or `Authorization: token <key>`). */
  apiKey: string;
  /** Initial state. */
  seed?: SeedDocument;
  /** Delay added to every API response, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Fastify request logging to stdout. @default false */
  logger?: boolean;
  /** Also accept `Authorization: Bearer <key>` (not in the spec; for clients with an opt-in Bearer mode). @default false */
  acceptBearer?: boolean;
}

export interface EmulatorStats {
  requests: {
    total: number;
    /** Keyed by method + route template, e.g. `"GET /entitlements/{owner}/{repo}/"`. */
    byRoute: Record<string, number>;
  };
}

export interface Emulator {
  /** Root URL without a trailing slash, e.g. `http://127.0.0.1:40123`. Routes also answer under `<url>/v1`. */
  url: string;
  close(): Promise<void>;
  /** Merges a seed document into the current state (same as `POST /_emulator/seed`). */
  seed(doc: SeedDocument): void;
  /** Empties the state and clears stats, faults and the emulated rate limit (same as `POST /_emulator/reset`). */
  reset(): void;
  stats(): EmulatorStats;
}
