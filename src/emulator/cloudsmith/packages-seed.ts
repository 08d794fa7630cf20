/** Validation of the package keys of a seed document and of the sync configuration. */
import { FieldErrors, addFieldError } from "../errors";
import { isPlainObject } from "../util";
import type { PackageRecord, SyncConfig } from "./packages-model";

const SLUG_RE = /^[-a-zA-Z0-9_]+$/;

export interface ParsedSeedPackage {
  owner: string;
  repository: string;
  format: string;
  name: string;
  version: string;
  /** Record fields given by the seed (checksums, size, tags, ...). */
  fields: Partial<PackageRecord>;
  /** Start a sync at seed time instead of being synchronised already. */
  syncing: boolean;
}

/** A partial SyncConfig; problems are added to `errors` under `${at}<field>`. */
export function parseSyncConfig(input: unknown, at: string, errors: FieldErrors): Partial<SyncConfig> {
  if (!isPlainObject(input)) {
    addFieldError(
      errors,
      at.replace(/\.$/, "") || "non_field_errors",
      'Must be an object such as {"durationMs":500,"failureRate":0.1,"failTimes":1}.',
    );
    return {};
  }
  const out: Partial<SyncConfig> = {};
  const num = (field: keyof SyncConfig, min: number, max: number, int: boolean) => {
    const v = input[field];
    if (v === undefined) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
      addFieldError(errors, `${at}${field}`, `Must be ${int ? "a whole number" : "a number"} from ${min} to ${max}.`);
    } else {
      (out as Record<string, number>)[field] = v;
    }
  };
  num("durationMs", 0, 86_400_000, false);
  num("failureRate", 0, 1, false);
  num("failTimes", 0, 1_000_000, true);
  num("failAtProgress", 0, 99, true);
  if ("failReason" in input) {
    const r = input.failReason;
    if (r === null || typeof r === "string") out.failReason = r;
    else addFieldError(errors, `${at}failReason`, "Must be a string or null.");
  }
  for (const k of Object.keys(input)) {
    if (!["durationMs", "failureRate", "failTimes", "failAtProgress", "failReason"].includes(k))
      addFieldError(errors, `${at}${k}`, "Unknown field.");
  }
  return out;
}

function parseTags(v: unknown): Record<string, string[]> | undefined {
  if (Array.isArray(v) && v.every((t) => typeof t === "string")) return { info: [...v] };
  if (isPlainObject(v) && Object.values(v).every((a) => Array.isArray(a) && a.every((t) => typeof t === "string"))) {
    return structuredClone(v) as Record<string, string[]>;
  }
  return undefined;
}

/** One seed package; undefined (with errors recorded) when invalid. */
export function parseSeedPackage(input: unknown, at: string, errors: FieldErrors): ParsedSeedPackage | undefined {
  if (!isPlainObject(input)) {
    addFieldError(errors, at, "Must be an object.");
    return undefined;
  }
  const bad = (field: string, msg: string) => addFieldError(errors, `${at}.${field}`, msg);
  let ok = true;
  for (const f of ["owner", "repository"]) {
    if (typeof input[f] !== "string" || !SLUG_RE.test(input[f] as string))
      (bad(f, "Must be a slug ([-a-zA-Z0-9_]+)."), (ok = false));
  }
  for (const f of ["format", "name", "version"]) {
    if (typeof input[f] !== "string" || (input[f] as string).trim() === "")
      (bad(f, "This field is required."), (ok = false));
  }
  const fields: Partial<PackageRecord> = {};
  const str = (f: keyof PackageRecord, nullable = false) => {
    const v = input[f];
    if (v === undefined) return;
    if (typeof v === "string" && v !== "") (fields as Record<string, unknown>)[f] = v;
    else if (nullable && v === null) (fields as Record<string, unknown>)[f] = null;
    else bad(f, nullable ? "Must be a non-empty string or null." : "Must be a non-empty string.");
  };
  if (input.slug_perm !== undefined) {
    if (typeof input.slug_perm === "string" && SLUG_RE.test(input.slug_perm)) fields.slug_perm = input.slug_perm;
    else bad("slug_perm", "Must be a slug ([-a-zA-Z0-9_]+).");
  }
  for (const f of [
    "filename",
    "checksum_md5",
    "checksum_sha1",
    "checksum_sha256",
    "checksum_sha512",
    "uploaded_at",
    "uploader",
  ] as const)
    str(f);
  for (const f of ["description", "summary", "license"] as const) str(f, true);
  for (const f of ["size", "downloads"] as const) {
    const v = input[f];
    if (v === undefined) continue;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) fields[f] = v;
    else bad(f, "Must be a non-negative integer.");
  }
  if (input.tags !== undefined) {
    const tags = parseTags(input.tags);
    if (tags) fields.tags = tags;
    else bad("tags", 'Must be a list of strings or an object of lists, e.g. ["release"] or {"info":["release"]}.');
  }
  if (input.sync !== undefined) fields.syncConfig = parseSyncConfig(input.sync, `${at}.sync.`, errors);
  if (input.syncing !== undefined && typeof input.syncing !== "boolean") bad("syncing", "Must be a valid boolean.");
  if (!ok) return undefined;
  return {
    owner: input.owner as string,
    repository: input.repository as string,
    format: (input.format as string).toLowerCase(),
    name: input.name as string,
    version: input.version as string,
    fields,
    syncing: input.syncing === true,
  };
}
