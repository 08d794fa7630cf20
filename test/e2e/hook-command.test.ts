/**
 * The hooks' default command (src/constructs/hook-command.ts) under a real `terraform apply` of a
 * synthesized stack moved away from the app: it runs the reposmith installed where the stack is,
 * and where none is, says so and what to set, with no look-up on the npm registry.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, reposmith, startTestEmulator, Workdir, type CliResult, type TestEmulator } from "../helpers/harness";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) process.stdout.write("SKIP test/e2e/hook-command.test.ts: `terraform` is not on PATH, so the hooks cannot be run here\n");
const maybe = hasTerraform ? describe : describe.skip;

let t: TestEmulator;
let w: Workdir;
let away: string;

function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const rc = path.join(away, "terraformrc");
    writeFileSync(rc, "");
    const child = spawn("terraform", [...args, "-input=false", "-no-color"], { cwd, env: { ...env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: rc }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

maybe("the hooks' default command, in a stack applied away from the app", () => {
  beforeAll(async () => {
    t = await startTestEmulator();
    w = new Workdir();
    w.declare([{ id: "ci", props: { owner: "acme", repository: "prod", name: "ci" } }]);
    // Synthesized with the default command (the Workdir's app sets no reposmith:command).
    expect((await reposmith(["synth", ...w.args], { cwd: w.dir, env: t.env })).code).toBe(0);
  });
  afterAll(async () => {
    w.cleanup();
    rmSync(away, { recursive: true, force: true });
    await t.close();
  });
  beforeEach(() => {
    away = mkdtempSync(path.join(tmpdir(), "reposmith-away-"));
  });

  /** The synthesized stack copied to `<away>/stack`, as a CI job applying an artifact would have it. */
  function copyStack(): string {
    const stack = path.join(away, "stack");
    cpSync(path.join(w.dir, "cdktf.out/stacks/app"), stack, { recursive: true });
    return stack;
  }
  const env = () => ({ ...t.env, REPOSMITH_STATE: path.join(away, "state") });

  it("fails with what to do where reposmith is not installed, without asking the registry", async () => {
    const stack = copyStack();
    expect((await terraform(["init"], stack, env())).code).toBe(0);
    const apply = await terraform(["apply", "-auto-approve"], stack, env());
    expect(apply.code).not.toBe(0);
    const out = apply.stdout + apply.stderr;
    expect(out).toContain(`reposmith is not installed in ${stack} or a folder above it; set the reposmith:command context`);
    expect(out).not.toMatch(/404|registry|npm error/i);
    expect(await t.tokens("acme", "prod")).toHaveLength(1); // the repository's default token only
  });

  it("runs the reposmith installed in a folder above the stack", async () => {
    const stack = copyStack();
    mkdirSync(path.join(away, "node_modules"));
    symlinkSync(ROOT, path.join(away, "node_modules", "reposmith"), "dir");
    expect((await terraform(["init"], stack, env())).code).toBe(0);
    const apply = await terraform(["apply", "-auto-approve"], stack, env());
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/app\/ci: Creation complete \[id=acme\.prod\./);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).toContain("ci");
    expect((await terraform(["destroy", "-auto-approve"], stack, env())).code).toBe(0);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).not.toContain("ci");
  });
});
