import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";

Testing.setupJest();

// Testing.app() makes a temporary output directory and never removes it: every run of the suite
// left hundreds behind in the system's temp directory. Make them here and remove this file's after it.
const outdirs: string[] = [];
const testingApp = Testing.app.bind(Testing);
Testing.app = (options = {}) => {
  if (options.outdir) return testingApp(options);
  const outdir = mkdtempSync(path.join(tmpdir(), "cdktf.outdir."));
  outdirs.push(outdir);
  return testingApp({ ...options, outdir });
};
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
