/**
 * The stack's runner in process (src/engine/terraform.ts), on a stack synthesized by the constructs:
 * references resolved from its environment, checked as at synth, recorded for reposmith's own
 * commands; the ids it writes; a stack file that is not the one Terraform planned.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { EntitlementToken } from "../../src";
import {
  envRefs,
  FileStateStore,
  planAll,
  runStack,
  type RunnerFiles,
  UnresolvedReferenceError,
} from "../../src/engine";
import { refHash } from "../../src/resources/payload";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-runner-", ["prod", "staging"]);

/** A stack "app" whose token `ci` takes its repository (and optionally its download limit) from variables. */
function synth(withLimit = false, extra = false): RunnerFiles & { outdir: string; digest: string } {
  const outdir = path.join(fx.dir, "cdktf.out");
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "app");
  const repo = new TerraformVariable(stack, "repo", { type: "string" });
  const limit = new TerraformVariable(stack, "limit", { type: "number" });
  new EntitlementToken(stack, "ci", {
    owner: "acme",
    repository: repo.stringValue,
    name: "ci",
    ...(withLimit ? { limits: { numDownloads: limit.numberValue } } : {}),
  });
  if (extra) new EntitlementToken(stack, "later", { owner: "acme", repository: repo.stringValue, name: "later" });
  app.synth();
  const stackFile = path.join(outdir, "stacks", "app", "cdk.tf.json");
  return {
    outdir,
    stackFile,
    outputsFile: path.join(fx.dir, "outputs", "app.tfstate"),
    spool: path.join(fx.dir, "spool"),
    digest: JSON.parse(readFileSync(stackFile, "utf8")).resource.terraform_data.reposmith.input.digest,
  };
}

/** The runner's environment as Terraform gives it: each reference's value as JSON under its hash. */
const refEnv = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([expr, v]) => [`REPOSMITH_REF_${refHash(expr)}`, JSON.stringify(v)]));

describe("the stack's runner", () => {
  const options = () => ({
    store: new FileStateStore(path.join(fx.dir, "state")),
    env: fx.t.env,
    clientOptions: FAST_RETRIES,
  });

  it("applies with the values Terraform gave the references, records them, and reposmith plan then agrees", async () => {
    const files = synth();
    const opts = options();
    await runStack(opts, { stack: "app", digest: files.digest }, files, envRefs(refEnv({ "${var.repo}": "staging" })));
    const [token] = (await fx.t.tokens("acme", "staging")).filter((x) => x.name === "ci");
    expect(token).toBeDefined();
    const entry = (await opts.store.read("app")).resources["app/ci"];
    expect(entry.refs).toEqual({ "${var.repo}": "staging" });
    expect(entry.spec).toMatchObject({ repository: "staging" });
    // The ids file Terraform's terraform_remote_state reads.
    const ids = JSON.parse(readFileSync(files.outputsFile!, "utf8"));
    expect(ids).toMatchObject({ version: 4, outputs: { ids: { type: ["map", ["map", "string"]] } } });
    expect(ids.outputs.ids.value["app/ci"]).toEqual({
      id: `acme.staging.${token.slug_perm}`,
      slug_perm: token.slug_perm,
      identifier: String(token.identifier),
    });
    const { plan } = await planAll({ ...opts, outdir: files.outdir });
    expect(plan.stacks[0].resources.map((r) => r.action)).toEqual(["noop"]);
  });

  it("checks a referenced value as synth checks a literal one, and changes nothing when it is bad", async () => {
    const files = synth(true);
    const writes = await fx.t.writes();
    const run = runStack(
      options(),
      { stack: "app", digest: files.digest },
      files,
      envRefs(refEnv({ "${var.repo}": "prod", "${var.limit}": -5 })),
    );
    await expect(run).rejects.toThrow(/^EntitlementToken at "app\/ci": limits\.numDownloads/);
    expect(await fx.t.writes()).toBe(writes);
  });

  it("refuses a reference without a value, naming the prop and the construct", async () => {
    const files = synth();
    await expect(runStack(options(), { stack: "app" }, files, envRefs({}))).rejects.toThrow(
      /app\/ci: repository is a Terraform reference \(\$\{var\.repo\}\) that has no value here/,
    );
  });

  it("has reposmith plan refuse a reference Terraform never resolved, naming the construct", async () => {
    const opts = options();
    const first = synth();
    await runStack(opts, { stack: "app", digest: first.digest }, first, envRefs(refEnv({ "${var.repo}": "prod" })));
    const later = synth(false, true);
    const err = await planAll({ ...opts, outdir: later.outdir }).catch((e) => e);
    expect(err).toBeInstanceOf(UnresolvedReferenceError);
    expect(err.message).toMatch(/^app\/later: repository is a Terraform reference .*run terraform apply/);
  });

  it("refuses a stack file that is not the one Terraform planned, before any write", async () => {
    const files = synth();
    const writes = await fx.t.writes();
    await expect(
      runStack(options(), { stack: "app", digest: "0".repeat(64) }, files, envRefs(refEnv({ "${var.repo}": "prod" }))),
    ).rejects.toThrow(/is not what Terraform planned for stack "app" .*Nothing was changed/);
    expect(await fx.t.writes()).toBe(writes);
  });
});
