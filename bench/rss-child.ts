// Child process of the benchmark's RSS row: plans (or idles, for the baseline) and reports its peak RSS.
import path from "node:path";
import { FileStateStore, planAll } from "../src/engine";

async function main(): Promise<void> {
  const [mode, outdir, stateDir, url, key] = process.argv.slice(process.argv.indexOf("--") + 1);
  if (mode === "plan") {
    await planAll({ outdir, store: new FileStateStore(path.resolve(stateDir)), env: { CLOUDSMITH_API_URL: `${url}/v1`, CLOUDSMITH_API_KEY: key } });
  }
  process.stdout.write(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

void main();
