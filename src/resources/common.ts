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
    .string({ error: `${what} is required (the slug of a repository in ${namespaceField}'s namespace, such as "prod")` })
    .regex(SLUG, {
      error: `${what} must be a slug: letters, digits, "-" or "_"; it names a repository in ${namespaceField}'s namespace, so give only the repository (e.g. "prod", not "acme/prod")`,
    });

/** A non-negative whole number that JavaScript can represent exactly (the API's int64 cannot be). */
export const count = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(0, { error: `${what} must be 0 or more` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} must be at most ${Number.MAX_SAFE_INTEGER}` });

/** An ISO-8601 date-time; normalised to UTC `toISOString()` so plans compare instants, not spellings. */
export const isoDateTime = (what: string) =>
  z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
      error: `${what} must be an ISO-8601 date-time such as "2027-01-31T00:00:00Z"`,
    })
    .transform((s) => new Date(s).toISOString());

export const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** Same instant? (API returns microseconds; we send milliseconds.) */
export function sameInstant(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  return Date.parse(String(a)) === Date.parse(String(b));
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
    if (i.code === "unrecognized_keys") msg = `${path ? path + ": " : ""}unknown field(s) ${i.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against the documented props`;
    if (input !== undefined && path && !msg.includes("(got ")) {
      const value = i.path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), input);
      if (value !== undefined && typeof value !== "object") msg += ` (got ${JSON.stringify(value)})`;
    }
    return redactUrls(msg);
  });
}
