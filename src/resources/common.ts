import { z } from "zod";
import { redactUrls } from "../util/url-credentials";

const SLUG = /^[A-Za-z0-9][-A-Za-z0-9_]*$/;

/** A Cloudsmith namespace (owner) slug such as "acme": letters, digits, `-` and `_`. */
export const slug = (what: string) =>
  z
    .string({ error: `${what} is required (a Cloudsmith namespace slug such as "acme")` })
    .regex(SLUG, { error: `${what} must be a slug: letters, digits, "-" or "_" (e.g. "acme")` });

/**
 * A Cloudsmith repository slug such as "prod". Repositories live in a namespace given by another
 * field (`namespaceField`), so the message says so: "acme/prod" is a common mistake.
 */
export const repositorySlug = (what: string, namespaceField: string) =>
  z
    .string({
      error: `${what} is required (the slug of a repository in ${namespaceField}'s namespace, such as "prod")`,
    })
    .regex(SLUG, {
      error:
        `${what} must be a slug: letters, digits, "-" or "_"; it names a repository in ${namespaceField}'s ` +
        `namespace, so give only the repository (e.g. "prod", not "acme/prod")`,
    });

/** A non-negative whole number that JavaScript can represent exactly (the API's int64 cannot be). */
export const count = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(0, { error: `${what} must be 0 or more` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} must be at most ${Number.MAX_SAFE_INTEGER}` });

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Why `s` is not an unambiguous ISO-8601 instant, or undefined when it is one. */
function instantProblem(s: string): "format" | "zone" | "calendar" | undefined {
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return "format";
  const [, y, mo, d, h, mi, sec, zone] = m;
  // A time without "Z" or an offset is read in the local time zone: a laptop and a CI runner would
  // disagree on the instant (and so on the plan). A bare date is UTC midnight everywhere.
  if (h !== undefined && zone === undefined) return "zone";
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  // Date.parse rolls "02-30" over into March: check the calendar and clock fields as written.
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d))
    return "calendar";
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59)) return "calendar";
  if (zone && zone !== "Z" && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(-2)) > 59)) return "calendar";
  return Number.isNaN(Date.parse(s)) ? "format" : undefined;
}

/**
 * An ISO-8601 instant: a date-time with "Z" or an offset, or a bare date (UTC midnight); normalised
 * to UTC `toISOString()` so plans compare instants, not spellings.
 */
export const isoDateTime = (what: string) =>
  z
    .string({ error: `${what} must be an ISO-8601 date-time string such as "2027-01-31T00:00:00Z"` })
    .superRefine((s, ctx) => {
      const problem = instantProblem(s);
      if (problem === "zone")
        ctx.addIssue({
          code: "custom",
          message:
            `${what} must say its time zone: add "Z" for UTC or an offset such as "+02:00" (got ` +
            `${JSON.stringify(s)})`,
        });
      else if (problem === "calendar")
        ctx.addIssue({ code: "custom", message: `${what} is not a real date and time (got ${JSON.stringify(s)})` });
      else if (problem)
        ctx.addIssue({
          code: "custom",
          message: `${what} must be an ISO-8601 date-time such as "2027-01-31T00:00:00Z"`,
        });
    })
    .transform((s) => new Date(s).toISOString());

/** What a value that is not JSON is, for messages: "undefined", "a Date", "a function", "NaN". */
function notJson(input: unknown): string {
  if (input === undefined) return "undefined (an unset variable?)";
  if (typeof input === "number") return String(input);
  if (input instanceof Date) return "a Date (give its toISOString())";
  if (typeof input === "object" && input !== null) return `a ${input.constructor?.name ?? "non-plain object"}`;
  return `a ${typeof input}`;
}

export const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)], {
    error: (iss) =>
      `must be a string, a finite number, true/false, null, an array or a plain object (got ${notJson(iss.input)})`,
  }),
);

/** Same instant? (API returns microseconds; we send milliseconds.) */
export function sameInstant(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  return Date.parse(String(a)) === Date.parse(String(b));
}

/**
 * Whether timestamp `a` is strictly before `b` (both ISO-8601 strings, microseconds compared too, as
 * Cloudsmith writes them); false when either is missing or not a date.
 */
export function isBefore(a: unknown, b: unknown): boolean {
  if (a === b || typeof a !== "string" || typeof b !== "string") return false;
  const [ma, mb] = [Date.parse(a), Date.parse(b)];
  if (Number.isNaN(ma) || Number.isNaN(mb)) return false;
  if (ma !== mb) return ma < mb;
  const micros = (s: string) => ((/\.(\d+)/.exec(s)?.[1] ?? "") + "000000").slice(3, 6);
  return micros(a) < micros(b);
}

/**
 * Formats zod issues as one line each, naming the field and, when `input` is given, the bad value:
 * `limits.numDownloads must be 0 or more (got -1)`. Any URL in a line is shown redacted
 * (`https://***@host/…`, query masked): these lines end up in CI logs.
 */
export function formatIssues(error: z.ZodError, input?: unknown): string[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join(".");
    let msg = !path || i.message.startsWith(path) ? i.message : `${path}: ${i.message}`;
    if (i.code === "unrecognized_keys")
      msg =
        `${path ? path + ": " : ""}unknown field(s) ${i.keys.map((k) => `"${k}"`).join(", ")}; check the ` +
        `spelling against the documented props`;
    if (input !== undefined && path && !msg.includes("(got ")) {
      const value = i.path.reduce<unknown>(
        (v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined),
        input,
      );
      // JSON.stringify would show NaN and Infinity as "null".
      if (value !== undefined && typeof value !== "object")
        msg += ` (got ${typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value)})`;
    }
    return redactUrls(msg);
  });
}
