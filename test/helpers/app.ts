import path from "node:path";
import { App, TerraformStack } from "cdktf";

/** Synthesizes, in process, an app whose one stack "app" `build` fills, into `<dir>/cdktf.out`; returns that directory. */
export function synthApp(dir: string, build: (stack: TerraformStack) => void): string {
  const outdir = path.join(dir, "cdktf.out");
  const app = new App({ outdir });
  build(new TerraformStack(app, "app"));
  app.synth();
  return outdir;
}
