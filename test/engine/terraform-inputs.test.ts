/**
 * What the stack's runner refuses before it changes anything (src/engine/terraform.ts, in process):
 * a runner input that is missing, not JSON, of the older per-construct format or not a runner's; a
 * stack file it cannot read, that was synthesized again since Terraform's plan, or that declares a
 * key twice; and a spool lock held by a live process (waited for) or left by a dead one (taken over).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { destroyStack, FileStateStore, HookInputError, parseRunnerInput, readRecords } from "../../src/engine";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-tf-inputs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stack "app" of tokens named `names`; returns its file and the digest Terraform's plan carries. */
function synth(names: string[]): { stackFile: string; digest: string } {
  const outdir = path.join(dir, "cdktf.out");
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "app");
  for (const name of names) new EntitlementToken(stack, name, { owner: "acme", repository: "prod", name });
  app.synth();
  const stackFile = path.join(outdir, "stacks", "app", "cdk.tf.json");
  return {
    stackFile,
    digest: JSON.parse(readFileSync(stackFile, "utf8")).resource.terraform_data.reposmith.input.digest,
  };
}

const refused = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HookInputError);
    return (err as Error).message;
  }
  throw new Error("not refused");
};

describe("the runner's input (REPOSMITH_HOOK_INPUT)", () => {
  it("takes format 2: the stack (escaped as Terraform templates are) and the digest when there is one", () => {
    expect(parseRunnerInput(JSON.stringify({ reposmith: "2", stack: "app", digest: "d1" }))).toEqual({
      stack: "app",
      digest: "d1",
    });
    expect(parseRunnerInput(JSON.stringify({ reposmith: "2", stack: "a$${b}" }))).toEqual({ stack: "a${b}" });
  });

  it("refuses what is not a runner's input, saying what to do", () => {
    expect(refused(() => parseRunnerInput(undefined))).toMatch(/^no hook input: REPOSMITH_HOOK_INPUT is empty/);
    expect(refused(() => parseRunnerInput(""))).toMatch(/is empty/);
    expect(refused(() => parseRunnerInput("{"))).toBe("REPOSMITH_HOOK_INPUT is not JSON");
    for (const older of [{ reposmith: "1", stack: "app" }, { kind: "EntitlementToken" }])
      expect(refused(() => parseRunnerInput(JSON.stringify(older)))).toMatch(
        /synthesized by an older reposmith \(hook format 1.*synthesize it again/,
      );
    for (const other of [{ reposmith: "3", stack: "app" }, { reposmith: "2" }, { reposmith: "2", stack: 7 }, null])
      expect(refused(() => parseRunnerInput(JSON.stringify(other)))).toBe(
        "REPOSMITH_HOOK_INPUT is not a reposmith runner input (reposmith, stack)",
      );
  });
});

describe("the stack file the runner reads", () => {
  it("gives the records sorted by key, and refuses a file synthesized again since the plan", () => {
    const { stackFile, digest } = synth(["zeta", "alpha"]);
    expect(readRecords(stackFile, "app", digest).resources.map((r) => r.key)).toEqual(["app/alpha", "app/zeta"]);
    expect(readRecords(stackFile, "app").name).toBe("app");
    // Another writer may order the resources otherwise (keys of a JSON object): same records, same digest.
    const doc = JSON.parse(readFileSync(stackFile, "utf8"));
    doc.resource.terraform_data = Object.fromEntries(Object.entries(doc.resource.terraform_data).reverse());
    writeFileSync(stackFile, JSON.stringify(doc));
    expect(readRecords(stackFile, "app", digest).resources.map((r) => r.key)).toEqual(["app/alpha", "app/zeta"]);
    const again = synth(["zeta", "alpha", "beta"]);
    expect(again.digest).not.toBe(digest);
    expect(refused(() => readRecords(again.stackFile, "app", digest))).toMatch(
      /is not what Terraform planned for stack "app" \(it was synthesized again since\).*Nothing was changed\./,
    );
  });

  it("refuses a file it cannot read as JSON, and a key declared twice", () => {
    const missing = path.join(dir, "nope.tf.json");
    expect(refused(() => readRecords(missing, "app"))).toMatch(
      /^cannot read the synthesized stack .*nope\.tf\.json .*synthesize as JSON \(not --hcl\)$/,
    );
    const { stackFile } = synth(["ci"]);
    const doc = JSON.parse(readFileSync(stackFile, "utf8"));
    const [name] = Object.keys(doc.resource.terraform_data).filter((n) => n !== "reposmith");
    doc.resource.terraform_data.copy = doc.resource.terraform_data[name];
    writeFileSync(stackFile, JSON.stringify(doc));
    expect(refused(() => readRecords(stackFile, "app"))).toBe('stack "app" declares "app/ci" twice');
  });
});

describe("the spool's lock at a destroy", () => {
  const files = () => ({ stackFile: path.join(dir, "none.tf.json"), spool: path.join(dir, "spool") });
  const opts = (lockWaitMs: number) => ({ store: new FileStateStore(path.join(dir, "state")), env: {}, lockWaitMs });

  it("waits for a lock a live process holds, and gives up naming it, changing nothing", async () => {
    const f = files();
    mkdirSync(f.spool, { recursive: true });
    writeFileSync(path.join(f.spool, "lock"), String(process.pid));
    const started = Date.now();
    await expect(destroyStack(opts(300), { stack: "app" }, f)).rejects.toThrow(
      /the destroy of stack "app" waited for .*spool\/lock \(another reposmith hook drain\) in vain/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(readFileSync(path.join(f.spool, "lock"), "utf8")).toBe(String(process.pid));
  });

  it("takes over a lock whose holder died, and gives it up when done", async () => {
    const f = files();
    mkdirSync(f.spool, { recursive: true });
    writeFileSync(path.join(f.spool, "lock"), "2147483646"); // no such process
    const result = await destroyStack(opts(300), { stack: "app" }, f);
    expect(result.failed).toEqual([]);
    expect(existsSync(path.join(f.spool, "lock"))).toBe(false);
  });
});
