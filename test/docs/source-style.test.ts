/**
 * Source style the reviewer checks (docs/architecture.md): no line in src/ past 120 columns, strings and
 * comments included (a line holding a URL aside), and no comment quoting a measured figure: comments say
 * why, and the figures live in docs/performance.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { longLines, MAX_COLUMNS, quotedFigures } from "./source-style";

const ROOT = path.resolve(__dirname, "../..");

const sources = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
const files = sources("src").map((file) => ({ file, text: readFileSync(path.join(ROOT, file), "utf8") }));

describe("source style of src/", () => {
  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it(`has no line past ${MAX_COLUMNS} columns (a line holding a URL aside)`, () => {
    const wide = files.flatMap(({ file, text }) => longLines(text).map((line) => `${file}:${line}`));
    expect(wide).toEqual([]);
  });

  it("has no comment quoting a measured figure (they belong in docs/performance.md)", () => {
    const quoted = files.flatMap(({ file, text }) =>
      quotedFigures(file, text).map((q) => `${file}:${q.line}: ${q.text}`),
    );
    expect(quoted).toEqual([]);
  });
});

describe("the checks themselves", () => {
  const line = (n: number) => `const s = "${"x".repeat(n - 13)}";`;

  it("counts a line of 121 columns as too long, and one of 120 not", () => {
    expect(line(120)).toHaveLength(120);
    expect(longLines([line(120), line(121), line(120)].join("\n"))).toEqual([2]);
  });

  it("counts characters, not bytes, and exempts a line holding a URL", () => {
    expect(longLines(`// ${"é".repeat(117)}`)).toEqual([]);
    expect(longLines(`// see https://example.com/${"a".repeat(120)}`)).toEqual([]);
  });

  const figures = (comment: string) => quotedFigures("planted.ts", comment).map((q) => q.text);

  it.each([
    "// parsing them again (about 150 ms for a stack)",
    "/** each page is paid for in page faults */",
    "// 10,000 tokens: 70-250 ms of CPU here",
    "// a second copy of a ~10 MB text",
    "/* some 3-5 ms */",
    "// node:http is 2x faster than axios",
    "// (about 25 ms more per read)",
    " * copying the chunks took about 0.02 µs",
  ])("flags a measured figure: %s", (comment) => {
    const text = comment.startsWith(" *") ? `/**\n${comment}\n */` : comment;
    expect(figures(text)).toHaveLength(1);
  });

  it.each([
    "// HTTP 429 and 503 are retried",
    "// timestamps as RFC 3339",
    "/** How often a standby tries to take over. @default 2 s */",
    "// trying again (50 ms, doubling to 1 s, jittered)",
    "// back off from 250 ms to 2 s",
    "// Seeds of thousands of tokens exceed fastify's 1 MiB default.",
    "/** @default 32 MiB */",
    "// the units ms, s, m, h: `500ms`, `45s`",
    "// retried at most 5 times",
  ])("leaves a figure that states behaviour alone: %s", (comment) => {
    expect(figures(comment)).toEqual([]);
  });

  it("reads comments only, not strings", () => {
    expect(figures('const why = "about 40 ms of CPU";\nconst t = `some 3-5 ms`; // fine')).toEqual([]);
    expect(figures("const t = 1; // about 40 ms")).toEqual(["// about 40 ms"]);
  });
});
