/**
 * The Node range in package.json's `engines` is one that really works: every production
 * dependency allows it, except those listed here with why they work all the same, and the test
 * suite runs under it (this Node; the cdktn end-to-end test also runs the CLI under Node 22).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { ROOT } from "../helpers/harness";

const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const ours: string = manifest.engines.node;

/** Dependencies whose own `engines` is narrower than ours, and why they work on all of it. */
const WORKS_BEYOND_ITS_ENGINES: Record<string, string> = {
  // fastify -> light-my-request -> cookie 2, which says node >=22 (npm prints EBADENGINE on Node 20):
  // it is an ES module that light-my-request loads with require(), which Node runs without a flag
  // from 20.19 and 22.12 (https://nodejs.org/api/modules.html#loading-ecmascript-modules-using-require).
  cookie: "ES module loaded through require(esm)",
};

describe("the Node range", () => {
  it("is allowed by every production dependency, but for the known ones", () => {
    const narrower = Object.entries<{ dev?: boolean; optional?: boolean; engines?: { node?: string } }>(lock.packages)
      .filter(([dir, p]) => dir && !p.dev && !p.optional && p.engines?.node && !semver.subset(ours, p.engines.node))
      .map(([dir, p]) => `${dir.replace(/^.*node_modules\//, "")} (${p.engines!.node})`);
    expect(narrower.map((n) => n.replace(/ \(.*$/, "")).sort()).toEqual(Object.keys(WORKS_BEYOND_ITS_ENGINES).sort());
  });

  it("holds this Node, which loads those known ones without a flag or a warning", () => {
    expect(semver.satisfies(process.version, ours)).toBe(true);
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        "require('fastify'); require('light-my-request/lib/cookies'); console.log(process.features.require_module)",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("true");
  });

  it("starts where require(esm) runs without a flag (20.19, 22.12), and the README states the same range", () => {
    expect(semver.minVersion(ours)!.version).toBe("20.19.0");
    expect(semver.satisfies("22.11.0", ours)).toBe(false);
    expect(semver.satisfies("22.12.0", ours)).toBe(true);
    expect(readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain(`Node.js \`${ours}\``);
  });
});
