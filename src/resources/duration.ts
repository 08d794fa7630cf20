import { z } from "zod";
import { DURATION_EXAMPLES, parseDuration as parse } from "../util/duration";

/**
 * A duration prop's value in milliseconds (src/util/duration.ts, the parser every flag uses too),
 * or undefined when it is not a positive duration.
 */
export function parseDuration(value: string | number): number | undefined {
  const ms = parse(value);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** A duration prop: "90d", "12h", "30m", "45s", "500ms", "2w", "1h30m", or seconds as a number. */
export const duration = (what: string) =>
  z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
    error: `${what} must be a duration such as ${DURATION_EXAMPLES}`,
  });
