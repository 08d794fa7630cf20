/**
 * The package as users install it: compiled JavaScript and declarations only (no TypeScript
 * sources, no tsx, no esbuild), so a CDKTF app in plain JavaScript or under ts-node (which does not
 * compile node_modules) can use the constructs, and the CLI runs from dist/.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { builtPackage } from "../helpers/built-package";
import { ROOT } from "../helpers/harness";

/** Tools the checkout runs its sources with; the installed package must not need them. */
const CHECKOUT_ONLY = ["tsx", "esbuild", "@esbuild"];

let dir: string;
let pkg: string;
/** The files `npm pack` puts in the tarball, relative to the package's root. */
let shipped: string[];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-dist-"));
  pkg = path.join(dir, "node_modules", "reposmith");
  mkdirSync(pkg, { recursive: true });
  // What `npm pack` puts in the tarball ("files"), built by its prepare script (`npm run build`).
  cpSync(builtPackage(), pkg, { recursive: true });
  shipped = (
    JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkg, encoding: "utf8" }),
    )[0].files as { path: string }[]
  ).map((f) => f.path);
  // Its dependencies (and the app's cdktf or cdktn and constructs peers), as npm would install them
  // beside it: everything the checkout has installed but its devDependencies tsx and esbuild.
  for (const dep of ["cdktf", "cdktn", "constructs"])
    symlinkSync(path.join(ROOT, "node_modules", dep), path.join(dir, "node_modules", dep), "dir");
  mkdirSync(path.join(pkg, "node_modules"));
  for (const dep of readdirSync(path.join(ROOT, "node_modules")))
    if (!CHECKOUT_ONLY.includes(dep) && !dep.startsWith("."))
      symlinkSync(path.join(ROOT, "node_modules", dep), path.join(pkg, "node_modules", dep));
}, 120_000);
afterAll(() => {
  if (!process.env.KEEP_DIST) rmSync(dir, { recursive: true, force: true });
});

describe("the installed package", () => {
  it("names only built files: main and types point into dist, which holds both", () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "bin"]));
    expect(manifest.files).not.toContain("src");
    // `npm pack` runs prepare, and so does an install from a git URL, which has no dist/.
    expect(manifest.scripts.prepare).toBe("npm run build");
    expect(manifest.main).toBe("./index.js");
    expect(readFileSync(path.join(pkg, manifest.main), "utf8")).toMatch(/require\("\.\/dist\/index\.js"\)/);
    expect(readFileSync(path.join(pkg, "dist/index.js"), "utf8")).toMatch(/EntitlementToken/);
    expect(readFileSync(path.join(pkg, manifest.types), "utf8")).toMatch(/EntitlementToken/);
    // A construct library shares the app's cdktf (or cdktn) and constructs, or `instanceof` checks
    // across the two copies fail; either library will do, so npm must not install the other.
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["cdktf", "cdktn", "constructs"]);
    expect(manifest.peerDependenciesMeta).toEqual({ cdktf: { optional: true }, cdktn: { optional: true } });
    expect(Object.keys(manifest.dependencies).filter((d) => /cdktf|cdktn|constructs/.test(d))).toEqual([]);
    // Until the project has a public home, no field names one (npm would link a guess).
    expect(manifest).not.toHaveProperty("repository");
    expect(manifest).not.toHaveProperty("bugs");
  });

  it("ships its entry, dist, bin, docs, README and the Apache-2.0 LICENSE, and no TypeScript sources", () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        "package.json",
        "index.js",
        "dist/index.js",
        "dist/index.d.ts",
        "bin/reposmith.js",
        "README.md",
        "docs/README.md",
        "LICENSE",
      ]),
    );
    expect(shipped.filter((f) => f.startsWith("src/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")).license).toBe("Apache-2.0");
    const license = readFileSync(path.join(pkg, "LICENSE"), "utf8");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(license).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
  });

  it("has no source map pointing at a file it does not ship", () => {
    const has = new Set(shipped);
    const dangling = new Set<string>();
    const check = (map: string) => {
      if (!has.has(map)) return void dangling.add(`${map}: not shipped`);
      const { sources, sourceRoot = "", sourcesContent = [] } = JSON.parse(readFileSync(path.join(pkg, map), "utf8"));
      (sources as string[]).forEach((source, i) => {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), sourceRoot, source));
        if (!has.has(target) && !sourcesContent[i]) dangling.add(`${map}: ${source} (${target}) not shipped`);
      });
    };
    let scanned = 0;
    for (const f of shipped) {
      if (f.endsWith(".map")) check(f);
      else if (/\.(c?js|ts)$/.test(f)) {
        scanned++;
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(path.join(pkg, f), "utf8"))?.[1];
        if (url && !url.startsWith("data:")) check(path.posix.join(path.posix.dirname(f), url));
      }
    }
    expect(scanned).toBeGreaterThan(100);
    expect([...dangling]).toEqual([]);
  });

  it("ships Markdown whose relative links, anchors included, reach what it ships", () => {
    const has = new Set(shipped);
    /** GitHub's heading anchors: lower case, punctuation but "-" and "_" dropped, spaces to "-"; repeats get -1, -2. */
    const anchors = (file: string) => {
      const seen = new Map<string, number>();
      for (const line of readFileSync(path.join(pkg, file), "utf8")
        .replace(/^```[\s\S]*?^```/gm, "")
        .split("\n")) {
        if (!/^#{1,6} /.test(line)) continue;
        const base = line
          .replace(/^#+ /, "")
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\- _]/gu, "")
          .replace(/ /g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        if (n) seen.set(`${base}-${n}`, 1);
      }
      return seen;
    };
    const broken: string[] = [];
    let links = 0;
    for (const f of shipped.filter((s) => s.endsWith(".md"))) {
      const text = readFileSync(path.join(pkg, f), "utf8").replace(/^```[\s\S]*?^```/gm, "");
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][\w+.-]*:/i.test(link)) continue; // https:, mailto:
        links++;
        const [file, anchor] = link.split("#");
        const target = file ? path.posix.normalize(path.posix.join(path.posix.dirname(f), file)) : f;
        if (!has.has(target)) broken.push(`${f}: ${link} (${target} is not shipped)`);
        else if (anchor && target.endsWith(".md") && !anchors(target).has(anchor))
          broken.push(`${f}: ${link} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(links).toBeGreaterThan(100);
  });

  it("is found by name through its exports map: the entry loads dist/, the hooks find its CLI, internals stay private", () => {
    const script = `
const loaded = () => Object.keys(require.cache).filter((f) => !f.includes("node_modules/reposmith/node_modules"));
const entry = require.resolve("reposmith");
const cli = require.resolve("reposmith/bin/reposmith.js");
const token = typeof require("reposmith").EntitlementToken;
let internal;
try { require.resolve("reposmith/dist/engine/plan.js"); internal = "resolved"; } catch (e) { internal = e.code; }
console.log(JSON.stringify({ entry, cli, token, internal, loaded: loaded() }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ["-e", script], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "" },
      }),
    );
    const real = realpathSync(pkg);
    expect(out).toMatchObject({
      entry: path.join(real, "index.js"),
      cli: path.join(real, "bin/reposmith.js"),
      token: "function",
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
    expect(out.loaded).toContain(path.join(real, "dist/index.js"));
    expect(out.loaded.filter((f: string) => /\.ts$/.test(f))).toEqual([]);
  });

  it("runs without tsx and esbuild: neither is a dependency, nor installed beside it here", () => {
    const manifest = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies).filter((d) => CHECKOUT_ONLY.includes(d))).toEqual([]);
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(["tsx", "esbuild"]));
    // So the app and CLI runs of this file would fail if the package needed either.
    for (const dep of ["tsx", "esbuild"])
      expect(() =>
        execFileSync(process.execPath, ["-e", `require.resolve("${dep}")`], { cwd: pkg, stdio: "pipe" }),
      ).toThrow();
  });

  it("ships declarations that import neither cdktf nor cdktn, so an app's type-check needs only the library it uses", () => {
    // Every declaration file a TypeScript app reads through `import ... from "reposmith"`.
    const seen = new Set<string>();
    const bare: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, from, inline] of readFileSync(file, "utf8").matchAll(
        /^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\bimport\("([^"]+)"\)/gm,
      )) {
        const spec = from ?? inline;
        if (!spec.startsWith(".")) bare.push(spec);
        else {
          const base = path.resolve(path.dirname(file), spec);
          visit([`${base}.d.ts`, path.join(base, "index.d.ts")].find((f) => existsSync(f))!);
        }
      }
    };
    visit(path.join(pkg, "dist/index.d.ts"));
    expect(seen.size).toBeGreaterThan(5);
    expect(bare.filter((spec) => /^@?cdkt[fn](\/|$)/.test(spec))).toEqual([]);
    expect(bare).toContain("constructs");
  });

  it("runs a plain JavaScript CDKTF app using the constructs, with no TypeScript loader", () => {
    writeFileSync(
      path.join(dir, "main.js"),
      `const { App, TerraformStack } = require("cdktf");
const { EntitlementToken } = require("reposmith");
const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "tokens");
new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci", limits: { numDownloads: 10 } });
app.synth();
`,
    );
    execFileSync(process.execPath, ["main.js"], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" } });
    const synthesized = readFileSync(path.join(dir, "cdktf.out/stacks/tokens/cdk.tf.json"), "utf8");
    const hook = JSON.parse(synthesized).resource.terraform_data;
    expect(Object.keys(hook)).toEqual([expect.stringMatching(/^ci_hook_resource/), "reposmith"]);
    expect(JSON.parse(Object.values<{ input: { spec: string } }>(hook)[0].input.spec)).toMatchObject({
      owner: "acme",
      repository: "prod",
      name: "ci",
      limits: { numDownloads: 10 },
    });
    expect(synthesized).toMatch(/reposmith\/bin\/reposmith\.js.* -- hook run/);
  });

  it("runs a plain JavaScript CDK Terrain (cdktn) app using the constructs", () => {
    writeFileSync(
      path.join(dir, "main-cdktn.js"),
      `const { App, TerraformStack } = require("cdktn");
const { EntitlementToken } = require("reposmith");
const app = new App({ outdir: "cdktn.out" });
new EntitlementToken(new TerraformStack(app, "tokens"), "ci", { owner: "acme", repository: "prod", name: "ci" });
app.synth();
`,
    );
    execFileSync(process.execPath, ["main-cdktn.js"], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" } });
    const doc = JSON.parse(readFileSync(path.join(dir, "cdktn.out/stacks/tokens/cdk.tf.json"), "utf8"));
    expect(doc["//"].metadata.version).toBe(
      JSON.parse(readFileSync(path.join(ROOT, "node_modules/cdktn/package.json"), "utf8")).version,
    );
    expect(Object.keys(doc.resource.terraform_data)).toEqual([expect.stringMatching(/^ci_hook_resource/), "reposmith"]);
  });

  // As `cdktf init --template typescript` sets it up (CommonJS: "types" of package.json), and as an
  // app resolving through the exports map (Node16: its "types" condition), checking only the app's file.
  it.each(["CommonJS", "Node16"])(
    "type-checks a %s TypeScript app against the shipped declarations, and reports a wrong prop",
    (module) => {
      const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
      const tsconfig = {
        compilerOptions: {
          strict: true,
          module,
          target: "ES2018",
          lib: ["es2018"],
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["app.ts"],
      };
      writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
      const app = (props: string) =>
        `import { App, TerraformStack } from "cdktf";\nimport { EntitlementToken } from "reposmith";\nnew EntitlementToken(new TerraformStack(new App(), "s"), "ci", ${props});\n`;
      writeFileSync(path.join(dir, "app.ts"), app(`{ owner: "acme", repository: "prod", name: "ci" }`));
      execFileSync(process.execPath, [tsc, "-p", dir]);
      writeFileSync(
        path.join(dir, "app.ts"),
        app(`{ owner: "acme", repository: "prod", name: "ci", limits: { numDownload: 5 } }`),
      );
      let out = "";
      try {
        execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toMatch(/numDownload/);
    },
    60_000,
  );

  it("runs the CLI from dist/ when no sources are there", () => {
    expect(
      execFileSync(process.execPath, [path.join(pkg, "bin/reposmith.js"), "--version"], { encoding: "utf8" }).trim(),
    ).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    const help = execFileSync(process.execPath, [path.join(pkg, "bin/reposmith.js"), "--help"], { encoding: "utf8" });
    expect(help).toMatch(/reconcile/);
  });
});
