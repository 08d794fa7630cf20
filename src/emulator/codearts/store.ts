/**
 * CodeArts Repo + IAM state: users, repositories (each with at most one mirror), Git sources,
 * service endpoints, issued tokens, settings and counters. Seeded from the `codearts` key of the
 * shared seed document:
 * `{"codearts":{"users":[{"domain","name","password"}],"repositories":[{"id","name","mirror"?}],
 *   "sources":[{"url","username"?,"password"?,"unreachable"?}],"endpoints":[{"uuid","username","password"}],
 *   "settings":{...CaSettings}}}`
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { FieldErrors, addFieldError, invalidInput } from "../errors";
import type { SeedDocument } from "../types";
import { isPlainObject } from "../util";
import {
  CaEndpoint,
  CaMirror,
  CaRepository,
  CaSettings,
  CaSource,
  CaToken,
  CaUser,
  DEFAULT_SETTINGS,
  MAX_REPOSITORY_ID,
  MIRRORING_ENABLED_READINGS,
  MirroringEnabledReading,
  NO_MIRROR_RESPONSES,
  EMPTY_ENDPOINT_UUID,
  type EmptyEndpointUuid,
  PUT_OMITTED_FIELDS,
  type PutOmittedFields,
  NoMirrorResponse,
  repositoryNotFound,
} from "./model";
import { SyncWorld, advance } from "./sync";

export interface CaCounters {
  tokensIssued: number;
  /** API calls refused with 401 DEV.00000003 because their token had expired. */
  expiredRejections: number;
  syncsStarted: number;
}

export class CodeArtsStore implements SyncWorld {
  settings: CaSettings = { ...DEFAULT_SETTINGS };
  readonly users: CaUser[] = [];
  readonly repositories = new Map<number, CaRepository>();
  readonly sources = new Map<string, CaSource>();
  readonly endpoints = new Map<string, CaEndpoint>();
  readonly tokens = new Map<string, CaToken>();
  counters: CaCounters = { tokensIssued: 0, expiredRejections: 0, syncsStarted: 0 };
  private nextMirrorId = 1;

  source(url: string): CaSource | undefined {
    return this.sources.get(url) ?? this.sources.get(url.replace(/\/+$/, ""));
  }

  endpoint(uuid: string): CaEndpoint | undefined {
    return this.endpoints.get(uuid);
  }

  /** The repository, or 404 CH.004404. */
  requireRepo(id: number): CaRepository {
    const repo = this.repositories.get(id);
    if (!repo) throw repositoryNotFound();
    return repo;
  }

  /** A mirror with its sync state brought up to now. */
  mirrorOf(repo: CaRepository): CaMirror | undefined {
    if (repo.mirror) advance(repo.mirror, this);
    return repo.mirror;
  }

  /** `mirroring_enabled` as the API reports it for a mirror (per the configured reading). */
  mirroringEnabled(m: CaMirror): boolean {
    return this.settings.mirroringEnabledReading === "true-means-off" ? !m.scheduled : m.scheduled;
  }

  /** Scheduled-sync truth from a `mirroring_enabled` the API received (the same reading: it is its own inverse). */
  scheduledFrom(mirroringEnabled: boolean): boolean {
    return this.settings.mirroringEnabledReading === "true-means-off" ? !mirroringEnabled : mirroringEnabled;
  }

  newMirror(url: string): CaMirror {
    const src = this.source(url);
    return {
      id: this.nextMirrorId++,
      url,
      scheduled: true,
      endpoint_uuid: "",
      sync_branch_type: "all",
      is_private: !!src && (src.username !== undefined || src.password !== undefined),
      update_status: "none",
      last_update_at: null,
      last_successful_update_at: null,
      number_of_failures: 0,
      last_error: null,
      starts: [],
    };
  }

  issueToken(user: CaUser, project: string): CaToken {
    const value = `MII${randomBytes(384).toString("base64").replace(/[+/=]/g, "")}`;
    const token = { value, user, project, expiresAt: Date.now() + this.settings.tokenTtlMs };
    this.tokens.set(value, token);
    this.counters.tokensIssued++;
    return token;
  }

  /** Makes every issued token expire now (as a password change does); returns how many. */
  expireTokens(): number {
    const now = Date.now();
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
    return this.tokens.size;
  }

  updateSettings(input: unknown): CaSettings {
    if (!isPlainObject(input)) throw invalidInput({ non_field_errors: ["Expected an object of settings."] });
    const errors: FieldErrors = {};
    const next = { ...this.settings };
    for (const [k, v] of Object.entries(input)) {
      if (k === "mirroringEnabledReading") {
        if ((MIRRORING_ENABLED_READINGS as readonly unknown[]).includes(v))
          next.mirroringEnabledReading = v as MirroringEnabledReading;
        else addFieldError(errors, k, `Must be one of ${MIRRORING_ENABLED_READINGS.join(", ")}.`);
      } else if (k === "mirroringEnabledInverted") {
        // The older boolean name: true = "true-means-off".
        if (typeof v === "boolean") next.mirroringEnabledReading = v ? "true-means-off" : "true-means-on";
        else addFieldError(errors, k, "Must be a boolean.");
      } else if (k === "noMirrorResponse") {
        if ((NO_MIRROR_RESPONSES as readonly unknown[]).includes(v)) next.noMirrorResponse = v as NoMirrorResponse;
        else addFieldError(errors, k, `Must be one of ${NO_MIRROR_RESPONSES.join(", ")}.`);
      } else if (k === "emptyEndpointUuid") {
        if ((EMPTY_ENDPOINT_UUID as readonly unknown[]).includes(v)) next.emptyEndpointUuid = v as EmptyEndpointUuid;
        else addFieldError(errors, k, `Must be one of ${EMPTY_ENDPOINT_UUID.join(", ")}.`);
      } else if (k === "putOmittedFields") {
        if ((PUT_OMITTED_FIELDS as readonly unknown[]).includes(v)) next.putOmittedFields = v as PutOmittedFields;
        else addFieldError(errors, k, `Must be one of ${PUT_OMITTED_FIELDS.join(", ")}.`);
      } else if (k === "looseAnswers") {
        if (typeof v === "boolean") next.looseAnswers = v;
        else addFieldError(errors, k, "Must be a boolean.");
      } else if (k === "advertisedTtlMs" && v === null) {
        next.advertisedTtlMs = null;
      } else if (k === "tokenTtlMs" || k === "advertisedTtlMs" || k === "queueMs" || k === "syncMs") {
        if (typeof v === "number" && Number.isFinite(v) && v >= 0) next[k] = v;
        else addFieldError(errors, k, "Must be a number >= 0 (milliseconds).");
      } else addFieldError(errors, k, "Unknown setting.");
    }
    if (Object.keys(errors).length) throw invalidInput(errors);
    this.settings = next;
    return this.settings;
  }

  upsertSource(input: unknown, at = "source"): CaSource {
    const s = input as Record<string, unknown>;
    if (!isPlainObject(s) || typeof s.url !== "string" || !/^https?:\/\/\S+$/.test(s.url))
      throw invalidInput({ [at]: ["url (http(s)://...) is required."] });
    for (const f of ["username", "password"])
      if (s[f] !== undefined && typeof s[f] !== "string") throw invalidInput({ [`${at}.${f}`]: ["Must be a string."] });
    const prev = this.sources.get(s.url);
    const src: CaSource = {
      url: s.url,
      username: (s.username as string | undefined) ?? prev?.username,
      password: (s.password as string | undefined) ?? prev?.password,
      unreachable: typeof s.unreachable === "boolean" ? s.unreachable : (prev?.unreachable ?? false),
    };
    this.sources.set(s.url, src);
    return src;
  }

  reset(): void {
    this.settings = { ...DEFAULT_SETTINGS };
    this.users.length = 0;
    this.repositories.clear();
    this.sources.clear();
    this.endpoints.clear();
    this.tokens.clear();
    this.counters = { tokensIssued: 0, expiredRejections: 0, syncsStarted: 0 };
    this.nextMirrorId = 1;
  }

  /** Merges the `codearts` key of a seed document; throws a 400 when invalid. */
  seed(doc: SeedDocument): void {
    const c = doc.codearts;
    if (c === undefined) return;
    if (!isPlainObject(c)) throw invalidInput({ codearts: ["Must be an object."] });
    const list = (k: string): unknown[] => {
      const v = c[k] ?? [];
      if (!Array.isArray(v)) throw invalidInput({ [`codearts.${k}`]: ["Must be an array."] });
      return v;
    };
    if (c.settings !== undefined) this.updateSettings(c.settings);
    list("users").forEach((u, i) => {
      const r = u as Record<string, unknown>;
      if (!isPlainObject(r) || ![r.domain, r.name, r.password].every((x) => typeof x === "string" && x !== "")) {
        throw invalidInput({
          [`codearts.users[${i}]`]: ["domain, name and password (non-empty strings) are required."],
        });
      }
      const existing = this.users.find((x) => x.domain === r.domain && x.name === r.name);
      if (existing) existing.password = r.password as string;
      else this.users.push({ domain: r.domain as string, name: r.name as string, password: r.password as string });
    });
    list("sources").forEach((s, i) => this.upsertSource(s, `codearts.sources[${i}]`));
    list("endpoints").forEach((e, i) => {
      const r = e as Record<string, unknown>;
      if (!isPlainObject(r) || ![r.uuid, r.username, r.password].every((x) => typeof x === "string")) {
        throw invalidInput({ [`codearts.endpoints[${i}]`]: ["uuid, username and password (strings) are required."] });
      }
      this.endpoints.set(r.uuid as string, {
        uuid: r.uuid as string,
        username: r.username as string,
        password: r.password as string,
      });
    });
    list("repositories").forEach((x, i) => this.seedRepository(x, `codearts.repositories[${i}]`));
  }

  private seedRepository(x: unknown, at: string): void {
    const r = x as Record<string, unknown>;
    if (
      !isPlainObject(r) ||
      !Number.isInteger(r.id) ||
      (r.id as number) < 1 ||
      (r.id as number) > MAX_REPOSITORY_ID ||
      typeof r.name !== "string"
    ) {
      throw invalidInput({ [at]: [`id (1..${MAX_REPOSITORY_ID}) and name are required.`] });
    }
    const id = r.id as number;
    const digest = createHash("sha256").update(`repo-${id}`).digest("hex");
    const repo: CaRepository = this.repositories.get(id) ?? {
      id,
      name: r.name,
      project_id: digest.slice(0, 32),
      uuid: randomUUID(),
      denied: new Set(),
    };
    repo.name = r.name;
    if (Array.isArray(r.denied)) repo.denied = new Set(r.denied.map(String));
    if (isPlainObject(r.mirror)) {
      const m = r.mirror;
      if (typeof m.url !== "string") throw invalidInput({ [`${at}.mirror.url`]: ["Required."] });
      const mirror = repo.mirror ?? this.newMirror(m.url);
      const fields = [
        "url",
        "endpoint_uuid",
        "sync_branch_type",
        "is_private",
        "update_status",
        "last_update_at",
        "last_successful_update_at",
        "number_of_failures",
        "last_error",
      ] as const;
      for (const f of fields) if (m[f] !== undefined) (mirror as unknown as Record<string, unknown>)[f] = m[f];
      if (typeof m.mirroring_enabled === "boolean") mirror.scheduled = this.scheduledFrom(m.mirroring_enabled);
      repo.mirror = mirror;
    }
    this.repositories.set(id, repo);
  }

  /**
   * The shared `GET /_emulator/state` section: nothing while CodeArts
   * is unused, so a fresh emulator's state has no CodeArts section.
   */
  dump(): Record<string, unknown> {
    const empty =
      !this.users.length && !this.repositories.size && !this.sources.size && !this.endpoints.size && !this.tokens.size;
    return empty ? {} : this.snapshot();
  }

  /** The state in seed format (secrets included), plus settings, counters and issued tokens. */
  snapshot(): { codearts: Record<string, unknown> } {
    const repositories = [...this.repositories.values()].map((r) => {
      const m = this.mirrorOf(r);
      const mirror = m && {
        ...m,
        job: undefined,
        running_jid: m.job?.jid,
        mirroring_enabled: this.mirroringEnabled(m),
      };
      return { id: r.id, name: r.name, denied: [...r.denied], ...(mirror ? { mirror } : {}) };
    });
    return {
      codearts: {
        users: this.users.map((u) => ({ ...u })),
        repositories,
        sources: [...this.sources.values()].map((s) => ({ ...s })),
        endpoints: [...this.endpoints.values()].map((e) => ({ ...e })),
        settings: { ...this.settings },
        counters: { ...this.counters },
        tokens: [...this.tokens.values()].map((t) => ({
          value: t.value,
          user: t.user.name,
          domain: t.user.domain,
          project: t.project,
          expires_at: new Date(t.expiresAt).toISOString(),
        })),
      },
    };
  }
}
