import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "../helpers/harness";
import { tempDir } from "./helpers";

describe("controller logger", () => {
  it("reconcile runs when the environment holds no secret to scrub", () => {
    const w = tempDir("reposmith-log-");
    try {
      // No *KEY*/*SECRET*/*TOKEN*/*PASSWORD* variables: the logger has nothing to redact.
      const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1" };
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, "bin/reposmith.js"), "reconcile", "--skip-synth", "--output", w.outdir, "--state", w.stateDir],
        { cwd: w.dir, env, encoding: "utf8", timeout: 30_000 },
      );
      expect(r.stderr).toBe("");
      const lines = r.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toContain("reconcile starting");
      expect(r.status).toBe(1); // there is no synth output to reconcile
    } finally {
      w.cleanup();
    }
  }, 40_000);
});
