import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readDesired } from "../../src/engine";
import { writeTokenApp } from "../../bench/support";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-desired-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("readDesired of a synth output read before", () => {
  it("gives the declared resources as first read while the stack's bytes are unchanged, each caller its own list", () => {
    writeTokenApp(dir, "app", 2, 3);
    const first = readDesired(dir)[0].resources;
    first.pop(); // a caller's list is its own
    const again = readDesired(dir)[0].resources;
    expect(again).toHaveLength(6);
    // The same objects: their specs, parsed once by their kinds' schemas, are not parsed again.
    expect(again[0]).toBe(first[0]);
    expect(again[0].parsedSpec).toMatchObject({ owner: "acme", repository: "repo0", name: "t0" });
    expect(Object.isFrozen(again[0])).toBe(true);
  });

  it("leaves a spec that does not parse as it was synthesized, for the plan to report", () => {
    writeTokenApp(dir, "app", 1, 2);
    const file = path.join(dir, "stacks", "app", "cdk.tf.json");
    writeFileSync(file, readFileSync(file, "utf8").replace(/\\"name\\":\\"t1\\"/, '\\"name\\":\\"\\"'));
    const [ok, bad] = readDesired(dir)[0].resources;
    expect(ok.parsedSpec).toBeDefined();
    expect(bad.parsedSpec).toBeUndefined();
    expect(bad.spec).toMatchObject({ name: "" });
  });

  it("sees a stack re-synthesized with a change of the same length", () => {
    writeTokenApp(dir, "app", 1, 2);
    const before = readDesired(dir)[0].resources.map((r) => (r.spec as { name: string }).name);
    expect(before).toEqual(["t0", "t1"]);
    const file = path.join(dir, "stacks", "app", "cdk.tf.json");
    writeFileSync(file, readFileSync(file, "utf8").replace(/\\"name\\":\\"t1\\"/, '\\"name\\":\\"u1\\"'));
    expect(readDesired(dir)[0].resources.map((r) => (r.spec as { name: string }).name)).toEqual(["t0", "u1"]);
  });
});
