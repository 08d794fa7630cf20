/**
 * What one `field:value` term of Cloudsmith's package search matches, per the search syntax page
 * (https://docs.cloudsmith.com/artifact-management/search-filter-sort-packages, earlier at
 * https://help.cloudsmith.io/docs/search-packages): text fields match partially (`^`/`$` anchor,
 * `*` is a wildcard), `version:` also compares semantically (`>`, `>=`, `<`, `<=`, `=`, `~=`),
 * `downloads:` and `size:` (bytes) compare numbers and `uploaded:` dates with `>`, `>=`, `<`, `<=`
 * (a bare value: equal / that day; a bare "N days ago": before then, as the page says), and a `~`
 * before any value negates it.
 */
import { invalidInput } from "../errors";
import type { BareWordSearch } from "./settings";

export interface Searchable {
  name: string;
  version: string;
  format: string;
  filename: string;
  tags: string[];
  checksums: string[];
  /** awaiting | in_progress | completed | failed */
  status: string;
  downloads: number;
  /** Bytes. */
  size: number;
  uploadedMs: number;
}

export type Predicate = (p: Searchable) => boolean;

export const FIELDS = [
  "name",
  "version",
  "format",
  "tag",
  "filename",
  "checksum",
  "status",
  "downloads",
  "size",
  "uploaded",
] as const;

export function invalidQuery(message: string) {
  return invalidInput({ query: [`Invalid search query: ${message}`] });
}

function textMatch(have: string, pattern: string): boolean {
  let p = pattern.toLowerCase();
  const start = p.startsWith("^");
  const end = p.endsWith("$") && p.length > (start ? 1 : 0);
  if (start) p = p.slice(1);
  if (end) p = p.slice(0, -1);
  const body = p
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`${start ? "^" : ""}${body}${end ? "$" : ""}`).test(have.toLowerCase());
}

function parts(v: string): (number | string)[] {
  return v.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

const COMPARISON = /^(>=|<=|>|<|=)(.*)$/s;

function compare(c: number, op: string): boolean {
  switch (op) {
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    default:
      return c === 0;
  }
}

function versionMatch(have: string, pattern: string): boolean {
  const m = /^(~=|>=|<=|>|<|=)(.+)$/.exec(pattern);
  if (!m) return textMatch(have, pattern);
  const [, op, v] = m;
  const c = compareVersions(have, v);
  if (op !== "~=") return compare(c, op);
  // PEP 440 compatible release: ~=1.2.3 means >=1.2.3 and ==1.2.*
  const prefix = v.split(".").slice(0, -1).join(".");
  return c >= 0 && (prefix === "" || have === prefix || have.startsWith(`${prefix}.`));
}

function numberTerm(field: "downloads" | "size", value: string): Predicate {
  const [, op, raw] = COMPARISON.exec(value) ?? [value, "=", value];
  if (!/^\d+$/.test(raw.trim()))
    throw invalidQuery(`${field} needs a whole number, optionally after >, >=, < or <= (got "${value}").`);
  const n = Number(raw.trim());
  return (p) => compare(p[field] - n, op);
}

const UNIT_MS: Record<string, number> = {
  second: 1e3,
  minute: 6e4,
  hour: 36e5,
  day: 864e5,
  week: 6048e5,
  month: 2_629_800_000,
  year: 31_557_600_000,
};

/** "3 days ago" → that instant; an absolute date (e.g. "August 14, 2022 EST") → its instant. */
function parseWhen(text: string, nowMs: number): { ms: number; relative: boolean; wholeDay: boolean } | undefined {
  const rel = /^\s*(\d+)\s*(second|minute|hour|day|week|month|year)s?\s+ago\s*$/i.exec(text);
  if (rel) return { ms: nowMs - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()], relative: true, wholeDay: false };
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : { ms, relative: false, wholeDay: !/\d:\d\d/.test(text) };
}

function uploadedTerm(value: string, nowMs: number): Predicate {
  const m = COMPARISON.exec(value);
  const when = parseWhen(m ? m[2] : value, nowMs);
  if (!when)
    throw invalidQuery(
      `uploaded needs a date ("August 14, 2022 EST", "2026-07-30 11:31:09 UTC") or "N days ago", ` +
        `optionally after >, >=, < or <= (got "${value}").`,
    );
  if (m) return (p) => compare(p.uploadedMs - when.ms, m[1]);
  // A bare relative value means "before then" ("uploaded more
  // than one day ago"); a bare date, that day (or that second).
  if (when.relative) return (p) => p.uploadedMs < when.ms;
  const span = when.wholeDay ? UNIT_MS.day : UNIT_MS.second;
  return (p) => p.uploadedMs >= when.ms && p.uploadedMs < when.ms + span;
}

/** A bare word: every documented text field, or the name only (the bareWordSearch setting). */
function bareWord(value: string, mode: BareWordSearch): Predicate {
  if (mode === "name") return (p) => textMatch(p.name, value);
  return (p) => [p.name, p.filename, p.version, p.format, p.status].some((v) => textMatch(v, value));
}

/** The predicate of one term; `field` undefined = a bare word. */
export function term(
  field: string | undefined,
  value: string,
  opts: { nowMs: number; bareWord: BareWordSearch },
): Predicate {
  if (value.startsWith("~") && !value.startsWith("~=")) {
    const inner = term(field, value.slice(1), opts);
    return (p) => !inner(p);
  }
  switch (field) {
    case undefined:
      return bareWord(value, opts.bareWord);
    case "name":
      return (p) => textMatch(p.name, value);
    case "version":
      return (p) => versionMatch(p.version, value);
    case "filename":
      return (p) => textMatch(p.filename, value);
    case "format":
      return (p) => p.format.toLowerCase() === value.toLowerCase();
    case "tag":
      return (p) => p.tags.some((t) => t.toLowerCase() === value.toLowerCase());
    case "checksum":
      return (p) => p.checksums.some((c) => c.toLowerCase() === value.toLowerCase());
    case "downloads":
    case "size":
      return numberTerm(field, value);
    case "uploaded":
      return uploadedTerm(value, opts.nowMs);
    default:
      return (p) => p.status === value.toLowerCase().replace(/-/g, "_");
  }
}
