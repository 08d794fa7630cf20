/**
 * The source style checks of test/docs/source-style.test.ts, as functions over text so that their
 * own tests can feed them planted lines.
 */
import ts from "typescript";

export const MAX_COLUMNS = 120;

/** Lines wider than MAX_COLUMNS (1-based numbers); a line holding a URL is exempt, as a URL cannot be split. */
export function longLines(text: string): number[] {
  return text
    .split("\n")
    .flatMap((line, i) => ([...line].length > MAX_COLUMNS && !/https?:\/\//.test(line) ? [i + 1] : []));
}

const UNIT = String.raw`(?:ms|µs|ns|s|seconds?|milliseconds?|MB|KB|kB|GB|MiB|KiB)`;
const NUMBER = String.raw`\d[\d,.]*(?:\s?[-–]\s?\d[\d,.]*)?`;

/**
 * Measurements quoted as facts about the code: a hedged duration or size ("about 40 ms", "some 3-5 ms",
 * "~10 MB"), one said to be measured ("70 ms of CPU", "25 ms here", "4 ms faster"), a speed-up ratio, page
 * faults. Their place is docs/performance.md, where they are dated with how they were measured. A figure
 * that states behaviour is left alone: "@default 60 s", "back off from 250 ms to 2 s", "a 1 MiB limit".
 */
export const FIGURES: RegExp[] = [
  new RegExp(String.raw`(?:\b(?:about|some|roughly|around|nearly|almost)\s|~\s?)${NUMBER}\s?${UNIT}\b`, "i"),
  new RegExp(
    String.raw`\b${NUMBER}\s?${UNIT}\s+(?:of CPU|of wall|here|faster|slower|more per|less per|saved|per plan)\b`,
    "i",
  ),
  /\b\d+(?:\.\d+)?\s?(?:x|×|times)\s+(?:faster|slower|fewer|less|more|as fast|as slow)\b/i,
  /\bpage faults?\b/i,
];

/** The comments of a TypeScript source, each with the 1-based line it starts on. */
export function commentsOf(fileName: string, text: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const seen = new Map<number, { line: number; text: string }>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (!seen.has(r.pos)) {
        seen.set(r.pos, { line: source.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
      }
    }
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.getChildren(source).forEach(visit);
  };
  visit(source);
  collect(ts.getLeadingCommentRanges(text, source.endOfFileToken.getFullStart()));
  return [...seen.values()].sort((a, b) => a.line - b.line);
}

/** Each comment line quoting a measurement, as its 1-based line number and text. */
export function quotedFigures(fileName: string, text: string): { line: number; text: string }[] {
  return commentsOf(fileName, text).flatMap((c) =>
    c.text
      .split("\n")
      .map((t, i) => ({ line: c.line + i, text: t.trim() }))
      .filter((l) => FIGURES.some((re) => re.test(l.text))),
  );
}
