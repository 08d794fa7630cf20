/** The examples as their comments say to run them: synthesized from their folder by `reposmith plan`. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { reposmith, ROOT, startTestEmulator, type TestEmulator } from "../helpers/harness";

let t: TestEmulator;
let work: string;
beforeAll(async () => {
  t = await startTestEmulator();
  work = mkdtempSync(path.join(tmpdir(), "reposmith-examples-"));
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await t.close();
});

describe("examples/cdktn", () => {
  it("plans its two tokens from a cdktn app", async () => {
    const r = await reposmith(["plan", "--output", path.join(work, "out"), "--state", path.join(work, "state")], {
      cwd: path.join(ROOT, "examples/cdktn"),
      env: t.env,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# cdktn-tokens\/ci \(EntitlementToken acme\/prod "ci-pipeline"\) will be created/);
    expect(r.stdout).toMatch(/Plan: 2 to add/);
    const doc = JSON.parse(readFileSync(path.join(work, "out/stacks/cdktn-tokens/cdk.tf.json"), "utf8"));
    expect(doc["//"].metadata.version).toBe(
      JSON.parse(readFileSync(path.join(ROOT, "node_modules/cdktn/package.json"), "utf8")).version,
    );
  });
});
