/**
 * The Terraform path (docs/architecture.md#the-terraform-path): what the provisioners of a
 * synthesized stack run. `terraform_data.reposmith`, the stack's runner, plans and applies the
 * whole stack with the engine when it is created (`runStack`) and deletes what is left of it when it
 * is destroyed (`destroyStack`); a construct's own resource is a record Terraform shows in its plan,
 * whose destroy provisioner spools the record's key for `drainSpool` (a `terraform destroy -target`).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { refHash, REF_ENV_PREFIX, type HookPayload } from "../resources/payload";
import type { ResourceState } from "../resources/types";
import { canonicalJson, sha256 } from "../util/canonical";
import { unescapeTemplate } from "../util/hcl-template";
import { applyStack, type ApplyEvent, type ApplyResult } from "./apply";
import { RunContext, type EngineOptions } from "./context";
import { hookPayloadsIn, payloadReader, resolveRefs, type DesiredStack } from "./desired";
import { acrossStacks, needsOtherStacks } from "./passes";
import { allResources } from "./manage";
import { planOrphan, planStack, type ResourcePlan, type StackPlan } from "./plan";
import { stateMv } from "./messages";
import { waitForLock, type LockWait } from "./lock-wait";
import type { StackState, StateStore } from "./state/types";
import { isAlive } from "../util/process-alive";

export interface TerraformRunOptions extends EngineOptions {
  store: StateStore;
  onEvent?: (e: ApplyEvent) => void;
  /** How long to wait for the stack's state lock (another runner, a `reposmith apply`). @default 120000 */
  lockWaitMs?: number;
  /** Told when the lock is found held, then at least every 10 s while the wait lasts. */
  onLockWait?: (w: LockWait) => void;
  parallelism?: number;
}

/** Where the runner reads and writes, from its provisioner's environment (see src/constructs/hook.ts). */
export interface RunnerFiles {
  /** The synthesized stack Terraform runs (`cdk.tf.json` in its directory). */
  stackFile?: string;
  /** The Terraform state file holding `ids`, read by the stack's terraform_remote_state. */
  outputsFile?: string;
  /** The directory where records' destroy provisioners spool their keys. */
  spool?: string;
  /** Rewritten by a drain that deleted something (the runner's triggers read it at plan). */
  destroyedFile?: string;
}

export class HookInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookInputError";
  }
}

/** The runner's input (Terraform's `jsonencode(self.input)`): its stack and the digest of the records it planned. */
export interface RunnerInput {
  stack: string;
  digest?: string;
}

export function parseRunnerInput(text: string | undefined): RunnerInput {
  if (!text)
    throw new HookInputError(
      "no hook input: REPOSMITH_HOOK_INPUT is empty (this command is run by the provisioners of a synthesized stack)",
    );
  let value: { reposmith?: unknown; stack?: unknown; digest?: unknown; kind?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new HookInputError("REPOSMITH_HOOK_INPUT is not JSON");
  }
  if (value?.reposmith === "1" || typeof value?.kind === "string")
    throw new HookInputError(
      "this stack was synthesized by an older reposmith (hook format 1, a Terraform run per construct): " +
        "synthesize it again (cdktf synth / reposmith synth), then terraform apply",
    );
  if (value?.reposmith !== "2" || typeof value.stack !== "string")
    throw new HookInputError("REPOSMITH_HOOK_INPUT is not a reposmith runner input (reposmith, stack)");
  return {
    stack: unescapeTemplate(value.stack),
    ...(typeof value.digest === "string" ? { digest: value.digest } : {}),
  };
}

/**
 * The records of `stack` in the synthesized file Terraform is running, as declared resources (their
 * references still placeholders). When `digest` is given, the file must hold what Terraform planned:
 * a stack synthesized again since the plan was made is refused, not applied.
 */
export function readRecords(file: string, stack: string, digest?: string): DesiredStack {
  let doc: { resource?: Record<string, Record<string, Record<string, unknown>>> };
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as typeof doc;
  } catch (err) {
    throw new HookInputError(
      `cannot read the synthesized stack ${file} (${(err as Error).message}): the stack's runner reads it ` +
        "from the directory Terraform runs in; synthesize as JSON (not --hcl)",
    );
  }
  const payloads = hookPayloadsIn(doc);
  const keyOf = (p: HookPayload) => unescapeTemplate(p.key);
  payloads.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  if (digest !== undefined && sha256(canonicalJson(payloads)) !== digest)
    throw new HookInputError(
      `${file} is not what Terraform planned for stack "${stack}" (it was synthesized again since): ` +
        "plan and apply again (terraform plan, then terraform apply). Nothing was changed.",
    );
  const toDesired = payloadReader(stack);
  const seen = new Set<string>();
  const resources = payloads.map((p) => {
    const d = toDesired(p);
    if (seen.has(d.key)) throw new HookInputError(`stack "${stack}" declares "${d.key}" twice`);
    seen.add(d.key);
    return d;
  });
  return { name: stack, resources };
}

/** A reference's value from the runner's environment (`REPOSMITH_REF_<hash>`, JSON). */
export function envRefs(env: NodeJS.ProcessEnv): (expression: unknown) => { value: unknown } | undefined {
  return (expression) => {
    const text = env[`${REF_ENV_PREFIX}${refHash(expression)}`];
    return text === undefined ? undefined : { value: JSON.parse(text) as unknown };
  };
}

async function withStack<T>(
  opts: TerraformRunOptions,
  stack: string,
  op: string,
  fn: (ctx: RunContext) => Promise<T>,
): Promise<T> {
  const lock = await waitForLock(opts.store, stack, op, {
    timeoutMs: opts.lockWaitMs ?? 120_000,
    onWait: opts.onLockWait,
  });
  try {
    return await fn(new RunContext(opts));
  } finally {
    await lock.release();
  }
}

/** Constructs that failed, each named with its error; state keeps what was done, so the next apply retries the rest. */
export class StackRunError extends Error {
  constructor(
    readonly stackName: string,
    readonly failed: ApplyResult["failed"],
    what: string,
  ) {
    super(
      `${failed.length} of stack "${stackName}"'s resources failed to ${what}:\n` +
        failed.map((f) => `  ${f.key}: ${(f.error as Error)?.message ?? String(f.error)}`).join("\n") +
        "\nWhat succeeded is recorded; terraform apply again to retry the rest.",
    );
    this.name = "StackRunError";
  }
}

/** What Terraform can read of each managed object: its id and, where it has them, slug_perm and identifier. */
export function terraformIds(state: StackState): Record<string, Record<string, string>> {
  const ids: Record<string, Record<string, string>> = {};
  for (const [key, rs] of Object.entries(state.resources)) {
    const out: Record<string, string> = { id: rs.id };
    for (const f of ["slug_perm", "identifier"]) {
      const v = rs.observed[f];
      if (typeof v === "string" || typeof v === "number") out[f] = String(v);
    }
    ids[key] = out;
  }
  return ids;
}

/**
 * Writes the ids as a Terraform state file holding one output, `ids` (a map of string maps by key),
 * which the stack's `terraform_remote_state` reads. Lineage is kept and serial raised, as Terraform's
 * own state discipline has them.
 */
async function writeOutputs(file: string | undefined, ids: Record<string, Record<string, string>>): Promise<void> {
  if (!file) return;
  let previous: { lineage?: string; serial?: number } = {};
  try {
    previous = JSON.parse(readFileSync(file, "utf8")) as typeof previous;
  } catch {
    /* first write */
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const doc = {
    version: 4,
    // The oldest 1.x: a reader refuses a state written by a newer Terraform than itself.
    terraform_version: "1.0.0",
    serial: (previous.serial ?? 0) + 1,
    lineage: previous.lineage ?? randomUUID(),
    outputs: { ids: { value: ids, type: ["map", ["map", "string"]] } },
    resources: [],
  };
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600 });
}

/**
 * A create that would wait for the deletion of an object state holds under another key (a renamed
 * construct): `reposmith apply` shows that in its plan, Terraform's plan cannot, so the runner stops
 * before anything is deleted (a token's secret with it) and says how to keep the object.
 */
function refuseRenames(plan: StackPlan): void {
  const renames = plan.resources.filter((r) => r.afterRemovalOf?.length && r.blockedBy);
  if (!renames.length) return;
  throw new HookInputError(
    renames
      .map((r) => {
        const holder = r.afterRemovalOf![0];
        return (
          `${r.key}: ${r.blockedBy!.what} is ${r.blockedBy!.id}, which state holds as ${holder}. ` +
          `If ${holder} was renamed to ${r.key}, keep it (and its secret): ${stateMv(holder, r.key)}, ` +
          "then terraform apply again; if both should exist, give this one another name"
        );
      })
      .join("\n") + "\nNothing was changed.",
  );
}

/** The stack's runner, created by Terraform: plan and apply the whole stack with the engine, then write its ids. */
export async function runStack(
  opts: TerraformRunOptions,
  input: RunnerInput,
  files: RunnerFiles,
  refValue: (expression: unknown) => { value: unknown } | undefined,
): Promise<ApplyResult> {
  if (!files.stackFile) throw new HookInputError("REPOSMITH_STACK_FILE is not set (the runner's provisioner sets it)");
  const read = readRecords(files.stackFile, input.stack, input.digest);
  const how =
    "Terraform gave it no value (REPOSMITH_REF_* missing from the runner's environment): synthesize and apply again";
  const desired = { ...read, resources: read.resources.map((r) => resolveRefs(r, refValue, how)) };
  // Keys a destroy spooled and never finished are moot once the stack is applied again; the empty
  // directory is left for the records' destroy provisioners, which then create nothing.
  if (files.spool) {
    rmSync(path.join(files.spool, "keys"), { recursive: true, force: true });
    mkdirSync(path.join(files.spool, "keys"), { recursive: true });
    rmSync(remainingFile(files.spool), { force: true });
  }
  return withStack(opts, input.stack, "terraform apply (reposmith hook run)", async (ctx) => {
    const state = await opts.store.read(input.stack);
    const planned = await planStack(ctx, desired, state, { parallelism: opts.parallelism });
    const states = new Map([[input.stack, state]]);
    const others = needsOtherStacks([planned]) ? await allResources(opts.store, states) : {};
    const [plan] = acrossStacks([planned], others);
    refuseRenames(plan);
    const result = await applyStack(ctx, plan, opts.store, state, {
      parallelism: opts.parallelism,
      onEvent: opts.onEvent,
    });
    await writeOutputs(files.outputsFile, terraformIds(result.state));
    if (result.failed.length) throw new StackRunError(input.stack, result.failed, "apply");
    return result;
  });
}

/** Deletes what state holds under `keys` (each as its deletionPolicy says): the records a destroy spooled. */
async function deleteKeys(
  opts: TerraformRunOptions,
  ctx: RunContext,
  stack: string,
  keys: string[],
): Promise<ApplyResult> {
  const state = await opts.store.read(stack);
  const plans: ResourcePlan[] = [];
  for (const key of keys) {
    const rs: ResourceState | undefined = state.resources[key];
    if (rs) plans.push(await planOrphan(ctx, stack, key, rs, false));
    else ctx.notice(`${key}: not in state at ${opts.store.location}, so nothing of it was deleted`);
  }
  return applyStack(ctx, { stack, resources: plans }, opts.store, state, {
    parallelism: opts.parallelism,
    onEvent: opts.onEvent,
    destroy: true,
  });
}

/** The spool's lock: a file created exclusively, holding the pid of its holder (sh's, which execs node). */
function lockFile(spool: string): string {
  return path.join(spool, "lock");
}

function tryLock(spool: string): boolean {
  mkdirSync(spool, { recursive: true });
  try {
    writeFileSync(lockFile(spool), String(process.pid), { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // A holder that died (killed mid-destroy) leaves its lock behind: taken over. A lock whose pid is
  // not written yet is held.
  const pid = Number(readFileSafe(lockFile(spool)));
  if (!pid || isAlive(pid)) return false;
  rmSync(lockFile(spool), { force: true });
  return tryLock(spool);
}

function unlock(spool: string): void {
  rmSync(lockFile(spool), { force: true });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function writeFileSafe(file: string, text: string): void {
  try {
    writeFileAtomic.sync(file, text);
  } catch {
    /* a lock without a pid is waited for, never taken over */
  }
}

/** Spooled keys: file name -> key (files being written start with "."). */
function spooled(spool: string): Map<string, string> {
  const dir = path.join(spool, "keys");
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const key = readFileSafe(path.join(dir, name));
    if (key) out.set(name, key);
  }
  return out;
}

const stackOf = (key: string) => key.slice(0, key.indexOf("/"));
/** How many resources state held after the last drain (see RUNNER_DESTROY_SCRIPT in src/constructs/hook.ts). */
const remainingFile = (spool: string) => path.join(spool, "remaining");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What a record's destroy provisioner runs once it holds the spool's lock (the first of a destroy
 * to spool its key): deletes what the spool names, batch by batch as the other records add theirs,
 * until it has stayed empty for `idleMs`; then gives the lock up (and takes it back if a key came
 * in meanwhile, so no key is left behind). Fails naming every key it could not delete.
 */
export async function drainSpool(
  opts: TerraformRunOptions,
  files: RunnerFiles & { spool: string },
  idleMs = 200,
  holding = true,
): Promise<ApplyResult[]> {
  const { spool } = files;
  const results: ApplyResult[] = [];
  const failed: ApplyResult["failed"] = [];
  if (!holding && !tryLock(spool)) return results;
  for (;;) {
    let quiet = 0;
    while (quiet < idleMs) {
      const batch = spooled(spool);
      if (!batch.size) {
        await sleep(25);
        quiet += 25;
        continue;
      }
      quiet = 0;
      const byStack = new Map<string, string[]>();
      for (const key of batch.values()) byStack.set(stackOf(key), [...(byStack.get(stackOf(key)) ?? []), key]);
      for (const [stack, keys] of byStack) {
        const result = await withStack(opts, stack, "terraform destroy (reposmith hook drain)", (ctx) =>
          deleteKeys(opts, ctx, stack, keys),
        );
        results.push(result);
        failed.push(...result.failed);
      }
      for (const name of batch.keys()) rmSync(path.join(spool, "keys", name), { force: true });
    }
    // What state still holds: when nothing, the runner's destroy (next in a full destroy) needs no process.
    const last = results[results.length - 1];
    if (last) writeFileSafe(remainingFile(spool), String(Object.keys(last.state.resources).length));
    unlock(spool);
    // A key spooled after the last look, by a record that found the lock still held.
    if (!spooled(spool).size || !tryLock(spool)) break;
  }
  // What was deleted is still declared (a targeted destroy): the runner must run at the next apply.
  if (files.destroyedFile && results.some((r) => r.done.length)) {
    mkdirSync(path.dirname(files.destroyedFile), { recursive: true });
    await writeFileAtomic(files.destroyedFile, `${new Date().toISOString()} ${randomUUID()}`);
  }
  if (failed.length) throw new StackRunError(stackOf(failed[0].key), failed, "be deleted");
  return results;
}

/**
 * The stack's runner, destroyed by Terraform after every record (`terraform destroy`): waits for
 * the spool's lock, deletes what is spooled and then everything state still holds for the stack
 * (each as its deletionPolicy says), and empties the ids.
 */
export async function destroyStack(
  opts: TerraformRunOptions,
  input: RunnerInput,
  files: RunnerFiles,
): Promise<ApplyResult> {
  const spool = files.spool;
  if (spool) {
    const deadline = Date.now() + (opts.lockWaitMs ?? 120_000);
    while (!tryLock(spool)) {
      if (Date.now() > deadline)
        throw new Error(
          `the destroy of stack "${input.stack}" waited for ${lockFile(spool)} ` +
            "(another reposmith hook drain) in vain; " +
            "if no reposmith process is running, remove that directory and destroy again",
        );
      await sleep(50);
    }
  }
  try {
    const failed: ApplyResult["failed"] = [];
    if (spool) {
      const keys = [...spooled(spool).values()];
      if (keys.length) {
        const result = await withStack(opts, input.stack, "terraform destroy (reposmith hook destroy)", (ctx) =>
          deleteKeys(opts, ctx, input.stack, keys),
        );
        failed.push(...result.failed);
        rmSync(path.join(spool, "keys"), { recursive: true, force: true });
      }
    }
    const result = await withStack(opts, input.stack, "terraform destroy (reposmith hook destroy)", async (ctx) => {
      const state = await opts.store.read(input.stack);
      const plan = await planStack(ctx, { name: input.stack, resources: [] }, state, {
        destroy: true,
        parallelism: opts.parallelism,
      });
      return applyStack(ctx, plan, opts.store, state, {
        parallelism: opts.parallelism,
        onEvent: opts.onEvent,
        destroy: true,
      });
    });
    failed.push(...result.failed);
    await writeOutputs(files.outputsFile, terraformIds(result.state));
    if (failed.length) throw new StackRunError(input.stack, failed, "be deleted");
    return result;
  } finally {
    if (spool) {
      rmSync(remainingFile(spool), { force: true });
      unlock(spool);
    }
  }
}

/**
 * After reposmith itself changed a stack Terraform also applies (`reposmith apply`, the controller
 * correcting drift): the ids Terraform reads are brought up to date, so an output or a resource fed
 * by `slugPerm` sees a re-created token's new id. Only where Terraform's runner has written the file
 * before (the stack's runner names it in its environment); a stack Terraform never applied is left alone.
 */
export async function refreshTerraformIds(outdir: string, stack: string, state: StackState): Promise<void> {
  let file: string | undefined;
  try {
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { synthesizedStackPath: string }>;
    };
    const stackFile = path.join(outdir, manifest.stacks[stack].synthesizedStackPath);
    const doc = JSON.parse(readFileSync(stackFile, "utf8")) as { resource?: Record<string, Record<string, any>> };
    const runner = doc.resource?.terraform_data?.reposmith ?? doc.resource?.null_resource?.reposmith;
    const written = runner?.provisioner?.[0]?.["local-exec"]?.environment?.REPOSMITH_OUTPUTS;
    if (typeof written === "string")
      file = unescapeTemplate(written.replace("${path.module}", () => path.dirname(stackFile)));
  } catch {
    return;
  }
  if (file && existsSync(file)) await writeOutputs(file, terraformIds(state));
}
