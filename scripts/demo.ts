/**
 * `npm run demo`: the whole loop against the embedded emulator — synth, plan, apply, a change made
 * by hand through the Cloudsmith API (as a person in the web UI would), drift, correct, destroy.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pc from "picocolors";
import { startEmulator } from "../src/emulator";

const ROOT = path.resolve(__dirname, "..");
const API_KEY = "demo-api-key-" + Math.random().toString(36).slice(2);

function step(title: string): void {
  process.stdout.write(`\n${pc.bold(pc.cyan(`==> ${title}`))}\n`);
}

/** Runs the CLI as a child; asynchronously, so the in-process emulator keeps answering meanwhile. */
async function reposmith(args: string[], common: string[], env: NodeJS.ProcessEnv, expect: number[]): Promise<number> {
  process.stdout.write(pc.dim(`$ reposmith ${args.join(" ")}\n`));
  const child = spawn(process.execPath, [path.join(ROOT, "bin/reposmith.js"), ...args, ...common], {
    cwd: ROOT,
    env,
    stdio: "inherit",
  });
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  process.stdout.write(pc.dim(`(exit ${code})\n`));
  if (!expect.includes(code)) throw new Error(`reposmith ${args[0]} exited ${code}, expected ${expect.join(" or ")}`);
  return code;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "reposmith-demo-"));
  step("Starting the Cloudsmith emulator with repository acme/prod");
  const emu = await startEmulator({
    port: 0,
    apiKey: API_KEY,
    seed: { repositories: [{ owner: "acme", slug: "prod" }] },
  });
  process.stdout.write(`emulator listening on ${emu.url}\n`);
  const env = {
    ...process.env,
    CLOUDSMITH_API_URL: `${emu.url}/v1`,
    CLOUDSMITH_API_KEY: API_KEY,
    ...(process.stdout.isTTY ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }),
  };
  const common = [
    "--app",
    `${path.join(ROOT, "node_modules/.bin/tsx")} examples/quickstart/main.ts`,
    "--output",
    path.join(work, "cdktf.out"),
    "--state",
    path.join(work, "state"),
  ];
  try {
    step("Synthesize examples/quickstart (two tokens in acme/prod)");
    await reposmith(["synth"], common, env, [0]);

    step("Plan: both tokens will be created");
    await reposmith(["plan", "--skip-synth", "--detailed-exitcode"], common, env, [2]);

    step("Apply");
    await reposmith(["apply", "--skip-synth", "--auto-approve"], common, env, [0]);

    step("Someone edits the partner token by hand: download limit 1000 -> 5, and deactivates it");
    const headers = { "X-Api-Key": API_KEY, "Content-Type": "application/json" };
    const list = (await (await fetch(`${emu.url}/v1/entitlements/acme/prod/`, { headers })).json()) as {
      slug_perm: string;
      name: string;
    }[];
    const partner = list.find((t) => t.name === "partner-acme-corp");
    if (!partner) throw new Error("partner token not found after apply");
    const patched = await fetch(`${emu.url}/v1/entitlements/acme/prod/${partner.slug_perm}/`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ limit_num_downloads: 5, is_active: false }),
    });
    process.stdout.write(`PATCH /v1/entitlements/acme/prod/${partner.slug_perm}/ -> ${patched.status}\n`);

    step("Drift finds it (exit 2)");
    await reposmith(["drift", "--skip-synth"], common, env, [2]);

    step("Apply corrects it (PATCH, same slug_perm)");
    await reposmith(["apply", "--skip-synth", "--auto-approve"], common, env, [0]);

    step("Drift is clean (exit 0)");
    await reposmith(["drift", "--skip-synth"], common, env, [0]);

    step("Destroy");
    await reposmith(["destroy", "--skip-synth", "--auto-approve"], common, env, [0]);

    const stats = emu.stats();
    step(`Done: the emulator served ${stats.requests.total} API requests`);
  } finally {
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${pc.red("demo failed:")} ${(err as Error).message}\n`);
  process.exit(1);
});
