/**
 * The one duration parser of reposmith: every duration flag (`--interval`, `--lock-timeout`,
 * `--shutdown-grace`) and every duration prop (`rotation.maxAge`, `waitForSync.timeout`,
 * `waitForSync.pollInterval`) reads its value here, so a value one accepts the others accept too.
 *
 * Accepted: a number of seconds (`90`, or `"90"` from a command line), or one or more
 * `<number><unit>` parts with the units ms, s, m, h, d (24 h) and w (7 d): `500ms`, `45s`, `30m`,
 * `12h`, `1d`, `2w`, `1h30m` (as Go's time.ParseDuration, which Terraform's `-lock-timeout` uses,
 * writes compound values; d and w added for token ages).
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/** Milliseconds, or undefined when `value` is not a duration (negative, empty, an unknown unit, not finite). */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!text) return undefined;
  let ms = 0;
  PART.lastIndex = 0;
  let end = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    ms += Number(m[1]) * UNITS[m[2]];
    end = PART.lastIndex;
    while (text[end] === " ") end++;
    PART.lastIndex = end;
  }
  return end === text.length && Number.isFinite(ms) ? ms : undefined;
}

/** How a duration is written, for error messages: the fix to suggest. */
export const DURATION_EXAMPLES = '"90d", "12h", "30m", "45s", "500ms", "2w" or "1h30m" (or a number of seconds)';

/** `ms` as the shortest duration text this parser reads back: 90000 → "1m30s", 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 100) / 10;
  const out: string[] = [];
  for (const [unit, secs] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (rest >= secs) {
      out.push(`${Math.floor(rest / secs)}${unit}`);
      rest = Math.round((rest % secs) * 10) / 10;
    }
  }
  if (rest > 0 || !out.length) out.push(`${rest}s`);
  return out.join("");
}
