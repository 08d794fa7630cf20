/**
 * The package's contents as `npm pack` puts them in the tarball (package.json and its "files": dist/
 * built by the prepare script, and the files shipped as they are), built once per version of the
 * sources and shared by the test files that install it (a build takes 20 s of CPU here).
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./harness";

/** What package.json's "files" ships as it is in the checkout (all but the built dist/), and package.json. */
const SHIPPED: string[] = [
  "package.json",
  ...(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).files as string[]).filter((f) => f !== "dist"),
];
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", ...SHIPPED];

function digest(): string {
  const hash = createHash("sha256");
  const add = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs).sort()) add(path.join(rel, e));
    else hash.update(`${rel}\0`).update(readFileSync(abs)).update("\0");
  };
  INPUTS.forEach(add);
  return hash.digest("hex").slice(0, 16);
}

/**
 * Runs `fn` holding a lock (a directory: mkdir is atomic) so that test files starting together
 * build once; the others wait, then find the build. A lock older than 10 minutes is stale.
 */
function withLock<T>(lock: string, fn: () => T): T {
  mkdirSync(path.dirname(lock), { recursive: true });
  for (const deadline = Date.now() + 600_000; ;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > deadline) throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A folder holding the package as installed from its tarball (without its node_modules). */
export function builtPackage(): string {
  const dir = path.join(ROOT, "node_modules", ".cache", "reposmith-e2e", `package-${digest()}`);
  if (existsSync(dir)) return dir;
  return withLock(`${dir}.lock`, () => (existsSync(dir) ? dir : build(dir)));
}

function build(dir: string): string {
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const f of SHIPPED) cpSync(path.join(ROOT, f), path.join(partial, f), { recursive: true });
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(ROOT, "tsconfig.build.json"),
      "--outDir",
      path.join(partial, "dist"),
    ],
    { stdio: "inherit" },
  );
  renameSync(partial, dir);
  // Builds of sources as they were before.
  for (const old of readdirSync(path.dirname(dir)).filter(
    (e) => /^package-[0-9a-f]{16}$/.test(e) && e !== path.basename(dir),
  )) {
    rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
  }
  return dir;
}

/** `npm pack` of builtPackage() into `dest` (its scripts are not run again); returns the tarball. */
export function packReposmith(dest: string): string {
  const name = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dest], {
    cwd: builtPackage(),
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  return path.join(dest, name);
}
