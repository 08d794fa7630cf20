/**
 * One object of a list whose managed field is malformed (generic). A list is read field by field
 * only for the fields the client uses (the item schemas); when one item still fails, the list is
 * not lost: that item stands in the list as what could be read of it, marked with the problem, and
 * the code that would act on it fails for that one object, naming it and the field
 * (docs/api/cloudsmith.md#tolerant-reads).
 */
import type { ZodError } from "zod";

const MALFORMED = Symbol("reposmith.malformed");

/** `value` marked as malformed, with the problem (e.g. "limit_num_clients: a string, expected number"). */
export function markMalformed<T extends object>(value: T, problem: string): T {
  Object.defineProperty(value, MALFORMED, { value: problem, enumerable: false });
  return value;
}

/** The problem of a malformed object (see markMalformed), or undefined for one read whole. */
export function malformedProblem(value: unknown): string | undefined {
  return typeof value === "object" && value !== null
    ? ((value as Record<symbol, string | undefined>)[MALFORMED] ?? undefined)
    : undefined;
}

/** The JSON type of a value as messages name it (never the value: it may be anything, a secret included). */
function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/** What is wrong with `raw` by the first issue of its parse: the field, its type and what was expected. */
export function describeIssue(error: ZodError, raw: unknown): string {
  const issue = error.issues[0];
  if (!issue) return "it did not parse";
  let at: unknown = raw;
  for (const key of issue.path) at = at !== null && typeof at === "object" ? (at as never)[key as never] : undefined;
  const field = issue.path.length ? issue.path.map(String).join(".") : "the object";
  const expected = "expected" in issue && typeof issue.expected === "string" ? `, expected ${issue.expected}` : "";
  return `${field}: ${at === undefined ? "missing" : jsonType(at)}${expected}`;
}
