/** Running Terraform (and other commands) from tests, and skipping, saying why, where it is absent. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CliResult } from "./harness";

export const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;

/** `describe`, or `describe.skip` with a printed reason where `terraform` is not on PATH. */
export function describeWithTerraform(testFile: string, what: string): jest.Describe {
  if (!hasTerraform) process.stdout.write(`SKIP ${testFile}: \`terraform\` is not on PATH, so ${what}\n`);
  return hasTerraform ? describe : describe.skip;
}

/** Runs a command to its end without blocking this process (the emulator lives here); colour codes removed. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      // The CDK CLIs draw spinners and colours even without a terminal.
      const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
      resolve({ code: code ?? -1, stdout: plain(stdout), stderr: plain(stderr) });
    });
  });
}

let emptyRc: string | undefined;
/** An empty CLI configuration file (TF_CLI_CONFIG_FILE naming a missing one makes Terraform warn). */
export function emptyTerraformRc(): string {
  if (!emptyRc) {
    emptyRc = path.join(mkdtempSync(path.join(tmpdir(), "reposmith-tfrc-")), "terraformrc");
    writeFileSync(emptyRc, "");
  }
  return emptyRc;
}

/** `terraform <args>` in `cwd`, non-interactive, with no checkpoint call and no user configuration. */
export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return run("terraform", args, {
    cwd,
    env: { ...env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: emptyTerraformRc() },
  });
}
