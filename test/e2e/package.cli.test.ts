/** `reposmith` with PackageCopy and PackageMirror against the emulator, as a user runs it. */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { reposmith, ROOT, startTestEmulator, type TestEmulator } from "../helpers/harness";
import { npm, packagesIn, PackageWorkdir, POST_COPY, routeCount, seedPackages, type Decl } from "../helpers/packages";

let t: TestEmulator;
let w: PackageWorkdir;

beforeAll(async () => {
  t = await startTestEmulator([]);
});
afterAll(() => t.close());
beforeEach(() => {
  w = new PackageWorkdir();
});
afterEach(() => w.cleanup());

const run = (...args: string[]) => reposmith([...args, ...w.args], { cwd: w.dir, env: t.env });
/** The same, reading the app synthesized by the previous run (the declarations did not change). */
const again = (...args: string[]) => run(...args, "--skip-synth");
const copy: Decl = {
  kind: "copy",
  id: "promote",
  props: {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
  },
};
const mirror: Decl = {
  kind: "mirror",
  id: "releases",
  props: {
    source: { owner: "acme", repository: "staging" },
    destination: "prod",
    query: "tag:release AND format:python",
  },
};

describe("reposmith with package copies and mirrors", () => {
  it("plans each package, applies, reports a copy deleted by hand as drift (exit 2), and apply copies it again", async () => {
    await seedPackages(t, [
      npm("left-pad", "1.3.0"),
      ...["requests", "urllib3"].map((n) => ({ ...npm(n, "2.0.0", { tags: ["release"] }), format: "python" })),
    ]);
    w.packages([copy, mirror]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\+ PackageCopy "app\/promote"/);
    expect(plan.stdout).toMatch(/~ packages\["python\/requests@2\.0\.0"\] += null -> "copy"/);

    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/app\/promote: Creation complete \[id=acme\.prod\.\w+\]/);
    expect((await packagesIn(t, "prod")).map((p) => p.name).sort()).toEqual(["left-pad", "requests", "urllib3"]);
    expect((await again("drift")).code).toBe(0);

    const leftPad = (await packagesIn(t, "prod")).find((p) => p.name === "left-pad");
    expect((await t.api("DELETE", `/packages/acme/prod/${leftPad.slug_perm}/`)).status).toBe(204);
    const drift = await again("drift");
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/app\/promote \(PackageCopy .*\) was deleted outside reposmith/);

    const fix = await again("apply", "--auto-approve");
    expect(fix.code).toBe(0);
    expect(fix.stdout).toMatch(/Resources: 1 added/);
    expect((await packagesIn(t, "prod")).filter((p) => p.name === "left-pad")).toHaveLength(1);
    expect((await again("drift")).code).toBe(0);
    expect(routeCount(t, POST_COPY)).toBe(4);
  });

  it("copies no package twice when apply is rerun after kill -9 while it was waiting for syncs", async () => {
    // Slow syncs (inherited by the copies) keep the first apply waiting long enough to be killed.
    const slow = { sync: { durationMs: 5_000 } };
    await seedPackages(t, [
      npm("left-pad", "1.3.0", slow),
      ...["requests", "urllib3", "idna"].map((n) => ({
        ...npm(n, "2.0.0", { tags: ["release"], ...slow }),
        format: "python",
      })),
    ]);
    w.packages([copy, mirror]);
    const child = spawn(process.execPath, [path.join(ROOT, "bin/reposmith.js"), "apply", "--auto-approve", ...w.args], {
      cwd: w.dir,
      env: t.env,
      stdio: "ignore",
    });
    const exited = new Promise((r) => child.once("exit", r));
    const deadline = Date.now() + 60_000;
    while ((await packagesIn(t, "prod")).length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await packagesIn(t, "prod")).toHaveLength(4);
    expect(child.exitCode).toBeNull(); // still waiting: every copy is syncing, nothing is recorded yet
    child.kill("SIGKILL");
    await exited;
    expect((await packagesIn(t, "prod")).some((p) => p.sync_phase !== "completed")).toBe(true);

    const rerun = await again("apply", "--auto-approve");
    expect(rerun.stderr).toBe("");
    expect(rerun.code).toBe(0);
    const prod = await packagesIn(t, "prod");
    expect(prod.map((p) => p.name).sort()).toEqual(["idna", "left-pad", "requests", "urllib3"]);
    expect(prod.every((p) => p.sync_phase === "completed")).toBe(true);
    expect(routeCount(t, POST_COPY)).toBe(4); // one POST copy per package, across both runs
    expect(w.state().resources["app/promote"].id).toBe(
      `acme.prod.${prod.find((p) => p.name === "left-pad").slug_perm}`,
    );
    expect((await again("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("headlines a prune-only mirror plan with what it deletes, and plan and apply count it alike", async () => {
    await seedPackages(
      t,
      ["requests", "dropped"].map((n) => ({ ...npm(n, "2.0.0", { tags: ["release"] }), format: "python" })),
    );
    w.packages([{ ...mirror, props: { ...mirror.props, prune: true } } as Decl]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const source = (await packagesIn(t, "staging")).find((p) => p.name === "dropped");
    expect((await t.api("DELETE", `/packages/acme/staging/${source.slug_perm}/`)).status).toBe(204);

    const plan = await again("plan");
    expect(plan.stdout).toMatch(
      /# app\/releases \(PackageMirror acme\/staging -> acme\/prod "tag:release AND format:python"\) will delete 1 copy it made whose source is gone\n/,
    );
    expect(plan.stdout).toMatch(/Plan: 0 to add, 0 to change, 1 to destroy\./);
    const apply = await again("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, 1 destroyed\./);
    expect((await packagesIn(t, "prod")).map((p) => p.name)).toEqual(["requests"]);
  });

  it("plan, apply and drift all warn about a package of the same version uploaded by hand, which the mirror leaves alone", async () => {
    const release = (checksum: string, repository = "staging") => ({
      ...npm("conflict", "1.0.0", { tags: ["release"], checksum_sha256: checksum.repeat(64) }),
      format: "python",
      repository,
    });
    await seedPackages(t, [release("e"), release("f", "prod")]);
    w.packages([mirror]);
    for (const cmd of [["plan"], ["apply", "--auto-approve"], ["drift"]]) {
      const r = await run(...cmd);
      expect(r.stderr).toMatch(
        /Warning: app\/releases: left alone in acme\/prod, which already has this package with other content and this mirror did not copy it: python\/conflict@1\.0\.0/,
      );
    }
    expect((await packagesIn(t, "prod")).map((p) => p.checksum_sha256)).toEqual(["f".repeat(64)]);
  });

  it("fails at synth with the construct path, the field and the allowed values", async () => {
    w.packages([
      {
        ...copy,
        props: {
          ...copy.props,
          source: { owner: "acme", repository: "staging", package: { format: "gem", name: "x", version: "1" } },
        },
      } as unknown as Decl,
    ]);
    const r = await run("plan");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /PackageCopy at "app\/promote": source\.package\.format must be one of "alpine", .* \(got "gem"\)/,
    );
  });

  // util-linux `script` gives the CLI a pseudo-terminal, so it behaves as on a user's screen.
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  if (!hasScript) process.stdout.write("[skip] the TTY progress test needs util-linux `script` on PATH\n");
  (hasScript ? it : it.skip)(
    "shows a live progress bar per waiting sync on a terminal, and none when piped",
    async () => {
      await seedPackages(
        t,
        ["requests", "urllib3"].map((n) => ({ ...npm(n, "2.0.0", { tags: ["release"] }), format: "python" })),
        { durationMs: 1_500 },
      );
      w.packages([mirror]);
      const env: NodeJS.ProcessEnv = { ...t.env, COLUMNS: "120", TERM: "xterm" };
      delete env.CI; // the display stays off in CI logs
      const command = [process.execPath, path.join(ROOT, "bin/reposmith.js"), "apply", "--auto-approve", ...w.args]
        .map((a) => `'${a}'`)
        .join(" ");
      const onTty = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn("script", ["-qefc", command, "/dev/null"], {
          cwd: w.dir,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code, out }));
      });
      expect(onTty.code).toBe(0);
      // Bars with a percentage, redrawn in place (cursor up + clear), then the summary.
      expect(onTty.out).toMatch(/app\/releases: [█░]{20} +\d+% /);
      expect(onTty.out).toMatch(/\x1b\[\d+A\x1b\[0J/);
      expect(onTty.out).toMatch(/Apply complete!/);
      expect(onTty.out.indexOf("Apply complete!")).toBeGreaterThan(onTty.out.lastIndexOf("\x1b[0J"));

      await seedPackages(
        t,
        ["requests"].map((n) => ({ ...npm(n, "2.0.0", { tags: ["release"] }), format: "python" })),
        { durationMs: 1_500 },
      );
      const w2 = new PackageWorkdir();
      try {
        w2.packages([mirror]);
        const piped = await reposmith(["apply", "--auto-approve", ...w2.args], { cwd: w2.dir, env });
        expect(piped.code).toBe(0);
        expect(piped.stdout).not.toMatch(/[█░]|\x1b\[/);
      } finally {
        w2.cleanup();
      }
    },
  );
});
