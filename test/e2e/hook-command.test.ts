/**
 * The hooks' default command (src/constructs/hook-command.ts) under a real `terraform apply` of a
 * synthesized stack moved away from the app: it runs the reposmith installed where the stack is,
 * and where none is, says so and what to set, with no look-up on the npm registry.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, reposmith, startTestEmulator, Workdir, type TestEmulator } from "../helpers/harness";
import { describeWithTerraform, terraform } from "../helpers/terraform";

const maybe = describeWithTerraform("test/e2e/hook-command.test.ts", "the hooks cannot be run here");

let t: TestEmulator;
let w: Workdir;
let away: string;
const tf = (args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
  terraform([...args, "-input=false", "-no-color"], cwd, env);

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
    expect((await tf(["init"], stack, env())).code).toBe(0);
    const apply = await tf(["apply", "-auto-approve"], stack, env());
    expect(apply.code).not.toBe(0);
    const out = apply.stdout + apply.stderr;
    expect(out).toContain(
      `reposmith is not installed in ${stack} or a folder above it; set the reposmith:command context`,
    );
    expect(out).not.toMatch(/404|registry|npm error/i);
    expect(await t.tokens("acme", "prod")).toHaveLength(1); // the repository's default token only
  });

  it("runs the reposmith installed in a folder above the stack", async () => {
    const stack = copyStack();
    mkdirSync(path.join(away, "node_modules"));
    symlinkSync(ROOT, path.join(away, "node_modules", "reposmith"), "dir");
    expect((await tf(["init"], stack, env())).code).toBe(0);
    const apply = await tf(["apply", "-auto-approve"], stack, env());
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/app\/ci: Creation complete \[id=acme\.prod\./);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).toContain("ci");
    expect((await tf(["destroy", "-auto-approve"], stack, env())).code).toBe(0);
    expect((await t.tokens("acme", "prod")).map((x) => x.name)).not.toContain("ci");
  });
});
