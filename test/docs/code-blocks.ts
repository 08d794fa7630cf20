/**
 * Type-checks the ```ts blocks of Markdown files against src/, as a reader who pastes them into an
 * app would compile them: "reposmith" resolves to src/index.ts (a `paths` mapping), everything else
 * (cdktf, constructs) to the project's node_modules. All blocks go into one TypeScript program, held
 * in memory beside the tests (nothing is written to disk), so one check costs one compile.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(__dirname, "../..");

export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based, counting only ```ts blocks of that file. */
  index: number;
  /** Line of the block's first code line in the Markdown file (1-based). */
  line: number;
  code: string;
}

/** Every ```ts block of `text` (a Markdown file named `file`). */
export function tsBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a \`\`\`ts block that never closes`);
    blocks.push({ file, index: blocks.length + 1, line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/**
 * The source compiled for a block. A whole example (one that imports) is compiled as written; a
 * fragment (no imports: the README's snippets) gets every value reposmith exports and cdktf's App
 * and TerraformStack imported, and runs in a function where `stack` and `this` are a TerraformStack.
 */
function sourceOf(block: CodeBlock, exported: string[]): { text: string; offset: number } {
  if (/^import\s/m.test(block.code)) return { text: block.code, offset: 0 };
  const prelude = [
    'import { App, TerraformStack } from "cdktf";',
    `import { ${exported.join(", ")} } from "reposmith";`,
    "export function fragment(this: TerraformStack, stack: TerraformStack, app: App): void {",
  ];
  return { text: `${prelude.join("\n")}\n${block.code}\n}\n`, offset: prelude.length };
}

/**
 * Compiles `blocks` and returns one line per error: "<file> block <n> (line <l>): <message>",
 * `l` being the line in the Markdown file. Errors inside src/ or node_modules are not reported here
 * (the type-check of `npm run lint` owns them).
 */
export function checkBlocks(blocks: CodeBlock[], exported: string[]): string[] {
  const dir = path.join(ROOT, "test", "docs", "__blocks__");
  const sources = new Map<string, { block: CodeBlock; text: string; offset: number }>();
  for (const block of blocks) {
    const name = path.join(dir, `${block.file.replace(/[^\w.-]/g, "_")}.${block.index}.ts`);
    sources.set(name, { block, ...sourceOf(block, exported) });
  }
  const base = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!base) throw new Error("tsconfig.json could not be read");
  const options: ts.CompilerOptions = {
    ...base.options,
    noEmit: true,
    paths: { reposmith: [path.join(ROOT, "src", "index.ts")] },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => sources.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(path.resolve(f))?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const own = sources.get(path.resolve(f));
    return own ? ts.createSourceFile(f, own.text, lang, true) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const own = d.file && sources.get(path.resolve(d.file.fileName));
    if (!own) return d.file ? [] : [ts.flattenDiagnosticMessageText(d.messageText, "\n")];
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    const mdLine = own.block.line + line - own.offset;
    return [
      `${own.block.file} block ${own.block.index} (line ${mdLine}): error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
    ];
  });
}

/** The ```ts blocks of these Markdown files (paths relative to the repository root). */
export function blocksOf(files: string[]): CodeBlock[] {
  return files.flatMap((f) => tsBlocks(f, readFileSync(path.join(ROOT, f), "utf8")));
}
