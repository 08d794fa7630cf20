/**
 * Code and docs cite public URLs or the project's own docs/, never the team's private workspace;
 * and every docs/…md#anchor they cite exists (a renamed heading must take its citations along).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const SCANNED = [
  "src",
  "test",
  "bench",
  "scripts",
  "examples",
  "docs",
  "README.md",
  "spec/README.md",
  ".dependency-cruiser.cjs",
];

function files(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (statSync(abs).isFile()) return [rel];
  return readdirSync(abs).flatMap((name) =>
    name === "node_modules" || name === "cdktf.out" ? [] : files(path.join(rel, name)),
  );
}
const scanned = SCANNED.flatMap(files).filter(
  (f) =>
    /\.(ts|md|cjs|js|json)$/.test(f) && !f.endsWith(".json") && f !== path.join("test", "docs", "citations.test.ts"),
);

/** GitHub's heading anchor: lower case, punctuation other than "-" and "_" dropped, spaces to "-". */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, "")
    .replace(/ /g, "-");
const anchorsOf = (file: string) =>
  new Set(
    readFileSync(path.join(ROOT, file), "utf8")
      .split("\n")
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ""))),
  );

describe("citations", () => {
  it("never point into the private workspace (shared/, its API notes, seeds or design notes)", () => {
    const workspace =
      /\.\.\/shared\b|\bshared\/(docs|specs|seeds)\b|\b(cloudsmith|codearts-repo)-api\.md\b|\bseed 00\d\b|\b(design|style)\.md\b/;
    const hits = scanned.flatMap((f) =>
      readFileSync(path.join(ROOT, f), "utf8")
        .split("\n")
        .map((line, i) => (workspace.test(line) ? `${f}:${i + 1}: ${line.trim().slice(0, 120)}` : undefined))
        .filter((x): x is string => !!x),
    );
    expect(hits).toEqual([]);
  });

  it("to docs/ name files and headings that exist", () => {
    const cite = /\bdocs\/([\w./-]+\.md)(#[\w-]+)?/g;
    const broken: string[] = [];
    let count = 0;
    for (const f of scanned) {
      const text = readFileSync(path.join(ROOT, f), "utf8");
      for (const m of text.matchAll(cite)) {
        count++;
        const target = path.join("docs", m[1]);
        let ok = false;
        try {
          ok = statSync(path.join(ROOT, target)).isFile() && (!m[2] || anchorsOf(target).has(m[2].slice(1)));
        } catch {
          ok = false;
        }
        if (!ok) broken.push(`${f}: ${m[0]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(count).toBeGreaterThan(30);
  });
});
