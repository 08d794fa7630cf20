/**
 * The package's contents as `npm pack` puts them in the tarball (package.json's "files": dist/
 * built by the prepack script, bin/, README.md, and package.json), built once per version of the
 * sources and shared by the test files that install it (a build takes 20 s of CPU here).
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./harness";

const INPUTS = ["src", "bin", "package.json", "README.md", "tsconfig.json", "tsconfig.build.json"];

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

/** A folder holding the package as installed from its tarball (without its node_modules). */
export function builtPackage(): string {
  const dir = path.join(ROOT, "node_modules", ".cache", "reposmith-e2e", `package-${digest()}`);
  if (existsSync(dir)) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const f of ["package.json", "README.md", "bin"]) cpSync(path.join(ROOT, f), path.join(partial, f), { recursive: true });
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json"), "--outDir", path.join(partial, "dist")], { stdio: "inherit" });
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // built by another test file meanwhile
  }
  // Builds of sources as they were before.
  for (const old of readdirSync(path.dirname(dir)).filter((e) => /^package-[0-9a-f]{16}$/.test(e) && e !== path.basename(dir))) {
    rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
  }
  return dir;
}

/** `npm pack` of builtPackage() into `dest` (its scripts are not run again); returns the tarball. */
export function packReposmith(dest: string): string {
  const name = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dest], { cwd: builtPackage(), encoding: "utf8" }).trim().split("\n").pop()!;
  return path.join(dest, name);
}
