import { z } from "zod";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "90d", "12h", "30m", "45s", "500ms", "2w" (or a number of seconds) into milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text > 0 ? text * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|[smhdw])$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms > 0 ? ms : undefined;
}

/** A duration prop: "90d", "12h", "30m", "45s", "500ms", "2w", or seconds as a number. */
export const duration = (what: string) =>
  z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
    error: `${what} must be a duration such as "90d", "12h", "30m", "45s", "500ms" or "2w" (or a number of seconds)`,
  });
