import { createColors } from "picocolors";

/**
 * Whether text written to `stream` is coloured. Decided per stream (piped output and CI logs
 * stay plain even where picocolors' own default would colour them because CI is set):
 * NO_COLOR (or --no-color) wins, FORCE_COLOR forces, otherwise only a terminal that is not dumb.
 */
export function colorFor(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if ("NO_COLOR" in env && env.NO_COLOR !== "") return false;
  if ("FORCE_COLOR" in env && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** picocolors bound to the decision for one stream. */
export const colors = (stream: NodeJS.WriteStream) => createColors(colorFor(stream));
