/**
 * The docs' examples compile against the code: every ```ts block of docs/**\/*.md and README.md is
 * type-checked against src/ (see code-blocks.ts). A renamed or removed prop fails here, naming the
 * page and the block, instead of in a reader's app.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import * as reposmith from "../../src";
import { blocksOf, checkBlocks, ROOT, tsBlocks } from "./code-blocks";

const markdown = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdown(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : [],
  );

/** A page that uses a prop EntitlementToken does not have: the check must name it. */
const PLANTED = [
  "# planted",
  "",
  "```ts",
  'import { App, TerraformStack } from "cdktf";',
  'import { EntitlementToken } from "reposmith";',
  "",
  "const app = new App();",
  'new EntitlementToken(new TerraformStack(app, "s"), "ci", { owner: "acme", repository: "prod", name: "ci", maxDownloads: 5 });',
  "```",
].join("\n");

describe("the docs' ```ts blocks", () => {
  const files = [...markdown("docs"), "README.md"];
  const blocks = blocksOf(files);
  const planted = tsBlocks("planted.md", PLANTED);
  // One compile for the docs and the planted page together.
  const errors = checkBlocks([...blocks, ...planted], Object.keys(reposmith).sort());

  it("are found on every construct page and in the README", () => {
    const pages = [
      ...files.filter((f) => f.startsWith(path.join("docs", "constructs", "")) && !f.endsWith("README.md")),
      "README.md",
    ];
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.filter((f) => !blocks.some((b) => b.file === f))).toEqual([]);
  });

  it("compile against src/", () => {
    expect(errors.filter((e) => !e.startsWith("planted.md"))).toEqual([]);
  });

  it("would fail on a block that uses a prop that does not exist, naming the file, block and line", () => {
    expect(errors.filter((e) => e.startsWith("planted.md"))).toEqual([
      expect.stringMatching(/^planted\.md block 1 \(line 8\): error TS2353: .*'maxDownloads' does not exist/),
    ]);
  });
});
