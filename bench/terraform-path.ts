/**
 * Row f: the Terraform path against its floor, side by side in one run. For n tokens, each of
 * create, edit (every token's limit) and destroy is timed three ways on the same emulator:
 * - `terraform apply` / `terraform destroy` of the synthesized stack (records + the stack's runner);
 * - Terraform's own time for the same resources with every provisioner removed (no reposmith at all);
 * - `reposmith apply` / `reposmith destroy` (a fresh CLI process) of the same app, in other repositories.
 * Target: terraform's time at most 1.5x (Terraform's floor + reposmith's own).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../src";
import { emptyTerraformRc, hasTerraform } from "../test/helpers/terraform";
import { ROOT, row, startEmulatorProcess, type EmulatorProcess, type Row } from "./support";

export interface TerraformPathConfig {
  sizes: number[];
  perRepo: number;
  latencyMs: number;
}

/** Runs a command to its end; its wall time in ms. Fails with its output when it fails. */
function timedRun(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

/** Synthesizes `n` tokens (limit `downloads`) into `<dir>/out`, stack `stack`, repositories `<prefix>0..`. */
function synthTokens(dir: string, stack: string, prefix: string, n: number, perRepo: number, downloads: number): void {
  mkdirSync(dir, { recursive: true });
  // The hooks' state and ids files are placed relative to where the app is synthesized, as cdktf runs it.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    synthIn(stack, prefix, n, perRepo, downloads);
  } finally {
    process.chdir(cwd);
  }
}

function synthIn(stack: string, prefix: string, n: number, perRepo: number, downloads: number): void {
  const app = new App({
    outdir: "out",
    context: { "reposmith:command": `"${process.execPath}" "${path.join(ROOT, "bin/reposmith.js")}"` },
  });
  const s = new TerraformStack(app, stack);
  for (let i = 0; i < n; i++)
    new EntitlementToken(s, `t${i}`, {
      owner: "acme",
      repository: `${prefix}${Math.floor(i / perRepo)}`,
      name: `t${i}`,
      limits: { numDownloads: downloads },
    });
  app.synth();
}

/** The same stack with every provisioner (and the runner's ids data source) removed: Terraform's own work only. */
function stripProvisioners(from: string, to: string): void {
  const doc = JSON.parse(readFileSync(from, "utf8"));
  for (const block of Object.values<Record<string, any>>(doc.resource ?? {}))
    for (const r of Object.values<any>(block)) delete r.provisioner;
  delete doc.data;
  delete doc.output;
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, JSON.stringify(doc));
}

async function measureSize(emu: EmulatorProcess, n: number, cfg: TerraformPathConfig): Promise<Row[]> {
  const dir = mkdtempSync(path.join(tmpdir(), `reposmith-bench-f${n}-`));
  const repos = Math.ceil(n / cfg.perRepo);
  await emu.admin("POST", "/seed", {
    repositories: ["tf", "floor", "rs"].flatMap((p) =>
      Array.from({ length: repos }, (_, r) => ({ owner: "acme", slug: `${p}${n}x${r}` })),
    ),
  });
  const env = {
    ...process.env,
    CLOUDSMITH_API_URL: `${emu.url}/v1`,
    CLOUDSMITH_API_KEY: emu.apiKey,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_CLI_CONFIG_FILE: emptyTerraformRc(),
    NO_COLOR: "1",
  };
  const tfDir = path.join(dir, "tf");
  const floorDir = path.join(dir, "floor");
  const rsDir = path.join(dir, "rs");
  const stackDir = path.join(tfDir, "out", "stacks", "s");
  const floorStack = path.join(floorDir, "stack");
  const synthAll = (downloads: number) => {
    synthTokens(tfDir, "s", `tf${n}x`, n, cfg.perRepo, downloads);
    synthTokens(floorDir, "s", `floor${n}x`, n, cfg.perRepo, downloads);
    stripProvisioners(path.join(floorDir, "out", "stacks", "s", "cdk.tf.json"), path.join(floorStack, "main.tf.json"));
    synthTokens(rsDir, "s", `rs${n}x`, n, cfg.perRepo, downloads);
  };
  const tf = (cwd: string, ...args: string[]) =>
    timedRun("terraform", [...args, "-input=false", "-no-color"], cwd, env);
  const rs = (...args: string[]) =>
    timedRun(
      process.execPath,
      [path.join(ROOT, "bin/reposmith.js"), ...args, "--skip-synth", "--output", "out", "--state", "state"],
      rsDir,
      env,
    );
  try {
    synthAll(1);
    await tf(stackDir, "init");
    await tf(floorStack, "init");
    const phases: { phase: string; ours: number; floor: number; own: number }[] = [];
    const measure = async (phase: string, tfArgs: string[], rsArgs: string[]) =>
      phases.push({
        phase,
        ours: await tf(stackDir, ...tfArgs),
        floor: await tf(floorStack, ...tfArgs),
        own: await rs(...rsArgs),
      });
    await measure("create", ["apply", "-auto-approve"], ["apply", "--auto-approve"]);
    synthAll(2);
    await measure("edit", ["apply", "-auto-approve"], ["apply", "--auto-approve"]);
    await measure("destroy", ["destroy", "-auto-approve"], ["destroy", "--auto-approve"]);
    return phases.map(({ phase, ours, floor, own }) =>
      row(
        `f. terraform ${phase === "destroy" ? "destroy" : "apply"} (${phase}) of ${n} tokens (baseline: reposmith ${
          phase === "destroy" ? "destroy" : "apply"
        }; floor: terraform without provisioners)`,
        ours,
        own,
        floor,
        1.5 * (floor + own),
        "ms",
        `emulator latency ${cfg.latencyMs} ms; target = 1.5 x (floor + baseline)`,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function terraformPathScenario(cfg: TerraformPathConfig): Promise<Row[]> {
  if (!hasTerraform) {
    process.stdout.write("SKIP bench row f: `terraform` is not on PATH\n");
    return [];
  }
  const emu = await startEmulatorProcess(cfg.latencyMs);
  try {
    const rows: Row[] = [];
    for (const n of cfg.sizes) rows.push(...(await measureSize(emu, n, cfg)));
    return rows;
  } finally {
    await emu.stop();
  }
}
