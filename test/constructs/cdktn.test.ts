/**
 * The constructs in a CDK Terrain (cdktn) app: the same classes serve a cdktf app and a cdktn app,
 * in one process too, and each stack gets its hook resources from its own library.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as cdktf from "cdktf";
import * as cdktn from "cdktn";
import type { Construct } from "constructs";
import {
  CloudsmithConnection,
  CodeArtsConnection,
  EntitlementSync,
  EntitlementToken,
  PackageCopy,
  PackageMirror,
  RepositoryMirror,
  Secret,
} from "../../src";

type Lib = typeof cdktf | typeof cdktn;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** One stack with every kind of construct, synthesized by `lib`; returns the output directory. */
function synthEvery(lib: Lib, context: Record<string, unknown> = {}): { outdir: string; tokens: EntitlementToken[] } {
  const outdir = mkdtempSync(path.join(tmpdir(), "reposmith-cdk-"));
  dirs.push(outdir);
  const app = new lib.App({ outdir, context });
  const stack: Construct = new lib.TerraformStack(app, "every");
  new CloudsmithConnection(stack, "cloudsmith");
  const tokens = [
    new EntitlementToken(stack, "ci", {
      owner: "acme",
      repository: "prod",
      name: "ci",
      limits: { numDownloads: 10, pathQuery: "tag:old" },
    }),
    new EntitlementToken(stack, "partner", { owner: "acme", repository: "prod", name: "partner" }),
  ];
  new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });
  new PackageCopy(stack, "left-pad", {
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
  });
  new PackageMirror(stack, "releases", {
    source: { owner: "acme", repository: "staging" },
    destination: "prod",
    query: "tag:release",
  });
  new CodeArtsConnection(stack, "codearts", { region: "cn-north-4" });
  new RepositoryMirror(stack, "app", {
    repositoryId: 123,
    sourceUrl: "https://git.example.com/app.git",
    credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") },
  });
  app.synth();
  return { outdir, tokens };
}

const read = (outdir: string, file: string) => JSON.parse(readFileSync(path.join(outdir, file), "utf8"));
/** The stack as Terraform reads it, less what names the library (its version) and where it ran (the state path). */
function stackJson(outdir: string): unknown {
  const doc = read(outdir, "stacks/every/cdk.tf.json");
  delete doc["//"].metadata.version;
  delete doc.terraform.backend;
  return JSON.parse(JSON.stringify(doc).split(outdir).join("<outdir>"));
}

describe("constructs in a cdktn app", () => {
  it("synthesize as they do in a cdktf app (the hook resources are cdktn's own)", () => {
    for (const hookResource of ["terraform_data", "null_resource"]) {
      const n = synthEvery(cdktn, { "reposmith:hookResource": hookResource });
      const f = synthEvery(cdktf, { "reposmith:hookResource": hookResource });
      expect(read(n.outdir, "stacks/every/cdk.tf.json")["//"].metadata.version).toBe(
        require("cdktn/package.json").version,
      );
      expect(stackJson(n.outdir)).toEqual(stackJson(f.outdir));
      expect(n.tokens[0].hook.resource).toBeInstanceOf(cdktn.TerraformResource);
      expect(n.tokens[0].hook.resource).not.toBeInstanceOf(cdktf.TerraformResource);
      expect(f.tokens[0].hook.resource).toBeInstanceOf(cdktf.TerraformResource);
    }
  });

  it("report a construct's warning through cdktn's annotations", () => {
    const { outdir } = synthEvery(cdktn);
    const stack = read(outdir, "manifest.json").stacks.every;
    expect(stack.annotations).toEqual([
      expect.objectContaining({
        level: "@cdktf/warn",
        constructPath: "every/ci",
        message: expect.stringMatching(/pathQuery is deprecated/),
      }),
    ]);
  });

  it("run the checks that span the app (one token name per repository) at cdktn's synth", () => {
    const app = new cdktn.App({ outdir: mkdtempSync(path.join(tmpdir(), "reposmith-cdk-")) });
    dirs.push(app.outdir);
    const stack = new cdktn.TerraformStack(app, "s");
    new EntitlementToken(stack, "a", { owner: "acme", repository: "prod", name: "same" });
    new EntitlementToken(stack, "b", { owner: "acme", repository: "prod", name: "same" });
    expect(() => app.synth()).toThrow(/EntitlementTokens "s\/a" and "s\/b" both have name "same"/);
  });

  it("let a cdktn resource depend on a hook resource", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "reposmith-cdk-"));
    dirs.push(outdir);
    const app = new cdktn.App({ outdir });
    const stack = new cdktn.TerraformStack(app, "s");
    const token = new EntitlementToken(stack, "ci", { owner: "acme", repository: "prod", name: "ci" });
    new cdktn.TerraformOutput(stack, "after", { value: "done", dependsOn: [token.hook.resource] });
    app.synth();
    expect(read(outdir, "stacks/s/cdk.tf.json").output.after.depends_on).toEqual([
      expect.stringMatching(/^\$\{terraform_data\.ci_hook_resource_\w+\}$/),
    ]);
  });
});
