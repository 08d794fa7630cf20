// Child process of the benchmark's RSS row: plans (or idles, for the baseline) and reports its peak RSS.
import path from "node:path";
import { FileStateStore, planAll } from "../src/engine";

async function main(): Promise<void> {
  const [mode, outdir, stateDir, url, key] = JSON.parse(process.env.REPOSMITH_RSS_ARGS ?? "[]") as string[];
  let resources = 0;
  if (mode === "plan") {
    const run = await planAll({
      outdir,
      store: new FileStateStore(path.resolve(stateDir)),
      env: { CLOUDSMITH_API_URL: `${url}/v1`, CLOUDSMITH_API_KEY: key },
    });
    resources = run.plan.stacks.reduce((n, s) => n + s.resources.length, 0);
  }
  process.stdout.write(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, resources }));
}

void main();
