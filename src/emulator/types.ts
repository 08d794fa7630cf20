/**
 * Public types of the emulator. Built from the API documents and the published spec only:
 * nothing here is shared with the project's API clients.
 */
import type { CloudsmithSettings } from "./cloudsmith/settings";

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

/** How package syncs behave (globally: seed `packageSync` or `POST /_emulator/packages/sync`; per package: `sync`). */
interface SeedPackageSync {
  /** Whole sync (awaiting, then in progress with sync_progress 0-100), in ms. @default 1500 */
  durationMs?: number;
  /** Probability (0-1) that a sync fails. @default 0 */
  failureRate?: number;
  /** The first N syncs of a package fail, later ones (resyncs) succeed. @default 0 */
  failTimes?: number;
  /** status_reason of a failure; null = no reason, as observed in the wild. */
  failReason?: string | null;
  /** sync_progress at which a failing sync stops. @default 45 */
  failAtProgress?: number;
}

/**
 * A Cloudsmith package (its repository is created when missing). Checksums, size, filename and
 * slug_perm are generated when not given; a seed package matching an existing one (by slug_perm,
 * else format/name/version) updates it — a new `checksum_sha256` then acts as a re-upload.
 */
interface SeedPackage {
  owner: string;
  repository: string;
  format: string;
  name: string;
  version: string;
  /** e.g. ["release"] (grouped as "info") or {"info":["release"],"version":["latest"]}. */
  tags?: string[] | Record<string, string[]>;
  slug_perm?: string;
  filename?: string;
  checksum_sha256?: string;
  size?: number;
  /** Sync behaviour of this package and of every copy made of it. */
  sync?: SeedPackageSync;
  /** Start a sync now instead of being synchronised already. @default false */
  syncing?: boolean;
  [field: string]: unknown;
}

/**
 * The one seed format for every API family. Each family reads its own keys; unknown keys are
 * ignored so older emulators accept newer seeds. A new family adds its key here, as `codearts` did.
 */
export interface SeedDocument {
  repositories?: SeedRepository[];
  tokens?: SeedToken[];
  packages?: SeedPackage[];
  packageSync?: SeedPackageSync;
  /**
   * Cloudsmith switches: `{"settings":{"fieldErrorStatus":422|400,"missingSlash":"redirect"|"not-found"|"lenient",
   * "retryAfter":false|true,"bareWordSearch":"any-field"|"name"}}` (see src/emulator/cloudsmith/settings.ts).
   */
  cloudsmith?: { settings?: Partial<CloudsmithSettings> };
  /**
   * Huawei Cloud CodeArts Repo + IAM: `{"users":[{"domain","name","password"}],"repositories":[{"id","name"}],
   * "sources":[{"url","username"?,"password"?,"unreachable"?}],
   * "endpoints":[{"uuid","username","password"}],"settings":{...}}`
   * (see src/emulator/codearts/store.ts).
   */
  codearts?: Record<string, unknown>;
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
  /**
   * Also accept `Authorization: Bearer <key>` (not in the spec; for clients with an opt-in Bearer mode).
   * @default false
   */
  acceptBearer?: boolean;
}

export interface EmulatorStats {
  requests: {
    total: number;
    /** Keyed by method + route template, e.g. `"GET /entitlements/{owner}/{repo}/"`. */
    byRoute: Record<string, number>;
  };
  /**
   * Fault rules fired (`POST /_emulator/faults`), keyed by kind,
   * e.g. `"status 429"`, `"malformed body (after handler)"`.
   */
  faults: {
    total: number;
    byKind: Record<string, number>;
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
