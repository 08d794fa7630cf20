/**
 * Cloudsmith package state: per repository, packages keyed by slug_perm (insertion order kept),
 * plus the global sync behaviour. Repositories themselves live in CloudsmithStore.
 * Seed keys: `packages` (SeedPackage[]) and `packageSync` (partial SyncConfig).
 */
import { createHash } from "node:crypto";
import { ApiError, FieldErrors, addFieldError, invalidInput, notFound } from "../errors";
import type { SeedDocument } from "../types";
import { isoNow, isPlainObject, randomAlnum } from "../util";
import { DEFAULT_SYNC, PackageRecord, SyncConfig, syncView } from "./packages-model";
import { parseSeedPackage, parseSyncConfig } from "./packages-seed";
import { defaultFilename } from "./packages-wire";
import type { CloudsmithStore } from "./store";

/** The documented 400 of packages_copy / packages_resync. */
function wrongState(): ApiError {
  return new ApiError(400, { detail: "The package is in the wrong state for the requested operation." });
}

const hash = (algo: string, text: string) => createHash(algo).update(text).digest("hex");

/** Stable checksums for generated content identified by its sha256. */
function derivedChecksums(
  sha256: string,
): Pick<PackageRecord, "checksum_md5" | "checksum_sha1" | "checksum_sha256" | "checksum_sha512"> {
  return {
    checksum_md5: hash("md5", sha256),
    checksum_sha1: hash("sha1", sha256),
    checksum_sha256: sha256,
    checksum_sha512: hash("sha512", sha256),
  };
}

/** A store section (see ../store.ts) for packages. */
export class PackageStore {
  private readonly byRepo = new Map<string, Map<string, PackageRecord>>();
  private config: SyncConfig = { ...DEFAULT_SYNC };
  /** When each copy was made (epoch ms), for the read-after-copy lag (settings.copyNotFoundMs). */
  private readonly copiedAt = new WeakMap<PackageRecord, number>();

  constructor(
    private readonly repos: CloudsmithStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Packages of an existing repository (404 when the repository does not exist). */
  packages(owner: string, repo: string): Map<string, PackageRecord> {
    this.repos.requireRepo(owner, repo);
    let map = this.byRepo.get(`${owner}/${repo}`);
    if (!map) this.byRepo.set(`${owner}/${repo}`, (map = new Map()));
    return map;
  }

  /** The packages packages_list shows now: not those copied less than settings.listLagMs ago. */
  listed(owner: string, repo: string): PackageRecord[] {
    const all = [...this.packages(owner, repo).values()];
    const lag = this.repos.settings.listLagMs;
    if (lag <= 0) return all;
    const now = this.now();
    return all.filter((p) => {
      const at = this.copiedAt.get(p);
      return at === undefined || now - at >= lag;
    });
  }

  require(owner: string, repo: string, slugPerm: string): PackageRecord {
    const p = this.packages(owner, repo).get(slugPerm);
    if (!p) throw notFound();
    return p;
  }

  /**
   * The package for packages_status / packages_read: a 404 while it was copied less than
   * settings.copyNotFoundMs ago (the list shows it at once).
   */
  requireReadable(owner: string, repo: string, slugPerm: string): PackageRecord {
    const p = this.require(owner, repo, slugPerm);
    const at = this.copiedAt.get(p);
    if (at !== undefined && this.now() - at < this.repos.settings.copyNotFoundMs) throw notFound();
    return p;
  }

  nowMs(): number {
    return this.now();
  }

  syncConfig(): SyncConfig {
    return { ...this.config };
  }

  /** `POST /_emulator/packages/sync`: merges a partial SyncConfig; null restores the defaults. */
  configure(body: unknown): SyncConfig {
    if (body === null || body === undefined) {
      this.config = { ...DEFAULT_SYNC };
      return this.syncConfig();
    }
    const errors: FieldErrors = {};
    const parsed = parseSyncConfig(body, "", errors);
    if (Object.keys(errors).length) throw invalidInput(errors);
    this.config = { ...this.config, ...parsed };
    return this.syncConfig();
  }

  /** Starts a sync run (a copy's first, or a resync) deciding now whether it will fail. */
  startSync(p: PackageRecord, duplicateReason?: string): void {
    const c = { ...this.config, ...p.syncConfig };
    const attempt = p.syncCount++;
    const fails = duplicateReason !== undefined || attempt < c.failTimes || Math.random() < c.failureRate;
    p.sync = {
      startedMs: this.now(),
      durationMs: c.durationMs,
      failAt: fails ? (duplicateReason !== undefined ? 5 : c.failAtProgress) : undefined,
      reason: duplicateReason ?? c.failReason,
    };
  }

  /**
   * packages_copy: a new package (new slug_perm) in `destination`, syncing from now. Without
   * `republish`, an existing package with the same format/name/version makes the copy fail as a
   * duplicate ([docs]); with it, the existing one is overwritten (removed).
   */
  copy(
    owner: string,
    repo: string,
    slugPerm: string,
    destination: string,
    republish: boolean,
  ): { record: PackageRecord; repo: string } {
    const source = this.require(owner, repo, slugPerm);
    if (destination === repo)
      throw invalidInput({ destination: ["The destination cannot be the repository the package is in."] });
    if (!this.repos.getRepo(owner, destination))
      throw invalidInput({ destination: [`Object with slug=${destination} does not exist.`] });
    if (syncView(source, this.now()).phase !== "completed") throw wrongState();
    const target = this.packages(owner, destination);
    const same = [...target.values()].filter(
      (p) => p.format === source.format && p.name === source.name && p.version === source.version,
    );
    let duplicate: string | undefined;
    if (republish) {
      for (const p of same) target.delete(p.slug_perm);
    } else if (same.some((p) => syncView(p, this.now()).phase !== "failed")) {
      duplicate =
        `Duplicate package: ${source.format} package ${source.name} ${source.version} already exists in ` +
        `${owner}/${destination}; copy with republish to overwrite it.`;
    }
    const record: PackageRecord = {
      ...structuredClone(source),
      slug_perm: this.freeSlugPerm(target),
      slug: this.freeSlug(target, source.name, source.version),
      downloads: 0,
      uploaded_at: isoNow(),
      syncCount: 0,
      statusReads: 0,
    };
    target.set(record.slug_perm, record);
    this.copiedAt.set(record, this.now());
    this.startSync(record, duplicate);
    return { record, repo: destination };
  }

  resync(p: PackageRecord): void {
    const phase = syncView(p, this.now()).phase;
    if (phase !== "completed" && phase !== "failed") throw wrongState();
    this.startSync(p);
  }

  delete(owner: string, repo: string, slugPerm: string): void {
    this.require(owner, repo, slugPerm);
    this.packages(owner, repo).delete(slugPerm);
  }

  private freeSlugPerm(map: Map<string, PackageRecord>): string {
    let s = randomAlnum(12);
    while (map.has(s)) s = randomAlnum(12);
    return s;
  }

  private freeSlug(map: Map<string, PackageRecord>, name: string, version: string): string {
    const base = `${name}-${version}`.replace(/[^-a-zA-Z0-9_]/g, "").slice(0, 100) || "package";
    const taken = new Set([...map.values()].map((p) => p.slug));
    let s = base;
    while (taken.has(s)) s = `${base}-${randomAlnum(4)}`;
    return s;
  }

  reset(): void {
    this.byRepo.clear();
    this.config = { ...DEFAULT_SYNC };
  }

  /**
   * Merges `packageSync` and `packages`; a seed package matching one (slug_perm, else format/name/version) updates it.
   */
  seed(doc: SeedDocument): void {
    const errors: FieldErrors = {};
    const sync = doc.packageSync === undefined ? {} : parseSyncConfig(doc.packageSync, "packageSync.", errors);
    const list = doc.packages ?? [];
    if (!Array.isArray(list)) addFieldError(errors, "packages", "Must be an array.");
    const parsed = Array.isArray(list) ? list.map((p, i) => parseSeedPackage(p, `packages[${i}]`, errors)) : [];
    if (Object.keys(errors).length) throw invalidInput(errors);
    this.config = { ...this.config, ...sync };
    for (const s of parsed) {
      if (!s) continue;
      this.repos.createRepository(s.owner, s.repository);
      const map = this.packages(s.owner, s.repository);
      const existing =
        (s.fields.slug_perm && map.get(s.fields.slug_perm as string)) ||
        [...map.values()].find((p) => p.format === s.format && p.name === s.name && p.version === s.version);
      if (existing) {
        // A new checksum is a re-upload: the other checksums follow unless given too.
        const derived = s.fields.checksum_sha256 ? derivedChecksums(s.fields.checksum_sha256) : {};
        Object.assign(existing, derived, s.fields);
        if (s.syncing) this.startSync(existing);
        continue;
      }
      const sha256 = s.fields.checksum_sha256 ?? hash("sha256", `${s.format}/${s.name}/${s.version}`);
      const record: PackageRecord = {
        slug_perm: this.freeSlugPerm(map),
        slug: this.freeSlug(map, s.name, s.version),
        format: s.format,
        name: s.name,
        version: s.version,
        filename: defaultFilename(s.format, s.name, s.version),
        ...derivedChecksums(sha256),
        size: 1024 + (parseInt(sha256.slice(0, 6), 16) % 500_000),
        tags: {},
        description: null,
        summary: null,
        license: null,
        uploaded_at: isoNow(),
        uploader: "emulator-user",
        origin: `${s.owner}/${s.repository}`,
        downloads: 0,
        sync: null,
        syncConfig: {},
        syncCount: 0,
        statusReads: 0,
        ...s.fields,
      } as PackageRecord;
      map.set(record.slug_perm, record);
      if (s.syncing) this.startSync(record);
    }
  }

  /**
   * The state in seed format, with the hidden counters (`status_reads`, `sync_count`) and each
   * package's sync phase. Keys appear only when used, so a fresh emulator's state stays as before.
   */
  dump(): { packages?: Record<string, unknown>[]; packageSync?: SyncConfig } {
    const packages: Record<string, unknown>[] = [];
    for (const [key, map] of this.byRepo) {
      const [owner, repository] = key.split("/");
      for (const p of map.values()) {
        const { sync: _s, syncConfig, statusReads, syncCount, origin: _o, ...rest } = p;
        const view = syncView(p, this.now());
        packages.push({
          owner,
          repository,
          ...rest,
          sync: syncConfig,
          status_reads: statusReads,
          sync_count: syncCount,
          sync_phase: view.phase,
          sync_progress: view.sync_progress,
        });
      }
    }
    const custom = (Object.keys(DEFAULT_SYNC) as (keyof SyncConfig)[]).some((k) => this.config[k] !== DEFAULT_SYNC[k]);
    return { ...(packages.length ? { packages } : {}), ...(custom ? { packageSync: this.syncConfig() } : {}) };
  }
}
