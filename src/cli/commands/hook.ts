import type { Command } from "commander";
import {
  destroyStack,
  drainSpool,
  envRefs,
  parseRunnerInput,
  runStack,
  HookInputError,
  type ApplyEvent,
  type ApplyResult,
  type LockWait,
  type RunnerFiles,
} from "../../engine";
import { escapeControl, escapeControlKeepingLines } from "../../util/escape";
import { openStore } from "../common";
import { printEvent, printLockWait, printNotices } from "../output";

/**
 * The state a hook uses: --state, else REPOSMITH_STATE, else the location the stack recorded at
 * synth time (relative to the stack directory Terraform runs in), else .reposmith/state.
 */
function hookStore(state: string | undefined) {
  return openStore(state ?? process.env.REPOSMITH_STATE ?? process.env.REPOSMITH_STATE_DEFAULT);
}

/**
 * What the runner prints into Terraform's output: the steps, and the notes a plan would have shown
 * (Terraform shows no reposmith plan). A failure is left to the error handler, which prints it once
 * on stderr and sets the exit code.
 */
function hookEvent(e: ApplyEvent): void {
  if (e.phase === "error") return;
  printEvent(e);
  if (e.phase === "done" && e.notice)
    process.stdout.write(`${escapeControl(e.key)}: note: ${escapeControlKeepingLines(e.notice)}\n`);
}

const DONE: Record<string, string> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
  adopt: "adopted",
  forget: "forgotten",
};

/** One line Terraform's output keeps of the runner's work: what changed and what was already as declared. */
function summary(stack: string, result: ApplyResult, countUnchanged = true): void {
  const counts = new Map<string, number>();
  for (const d of result.done)
    counts.set(DONE[d.action] ?? d.action, (counts.get(DONE[d.action] ?? d.action) ?? 0) + 1);
  const parts = [...counts].map(([what, n]) => `${n} ${what}`);
  const changed = new Set(result.done.map((d) => d.key));
  if (countUnchanged)
    parts.push(`${Object.keys(result.state.resources).filter((k) => !changed.has(k)).length} unchanged`);
  process.stdout.write(`reposmith: stack ${escapeControl(stack)}: ${parts.join(", ")}\n`);
}

/** What every hook passes the engine: the state, and where steps and warnings are printed. */
function hookOptions(state: string | undefined) {
  return {
    store: hookStore(state),
    onEvent: hookEvent,
    onNotice: (m: string) => printNotices([m]),
    onLockWait: (w: LockWait) => printLockWait(w, process.stdout),
  };
}

function files(): RunnerFiles {
  return {
    stackFile: process.env.REPOSMITH_STACK_FILE,
    outputsFile: process.env.REPOSMITH_OUTPUTS,
    spool: process.env.REPOSMITH_SPOOL,
    destroyedFile: process.env.REPOSMITH_DESTROYED,
  };
}

/** A hook of a stack synthesized by an older reposmith (format 1: a Terraform run per construct). */
function formatOne(): never {
  throw new HookInputError(
    "this stack was synthesized by an older reposmith (hook format 1, a Terraform run per construct): " +
      "synthesize it again (cdktf synth / reposmith synth), then terraform apply",
  );
}

export function registerHook(program: Command): void {
  const hook = program
    .command("hook")
    .description("run by the provisioners of a synthesized stack (reads REPOSMITH_HOOK_INPUT)");
  const common = (c: Command) =>
    c.option("--state <path>", "state location (default: REPOSMITH_STATE, else what the stack recorded)");

  common(hook.command("run").description("the stack's runner: plan and apply the whole stack")).action(
    async (o: { state?: string }) => {
      const input = parseRunnerInput(process.env.REPOSMITH_HOOK_INPUT);
      const result = await runStack(hookOptions(o.state), input, files(), envRefs(process.env));
      summary(input.stack, result);
    },
  );
  common(
    hook.command("destroy").description("the stack's runner, destroyed: delete what state holds for the stack"),
  ).action(async (o: { state?: string }) => {
    const input = parseRunnerInput(process.env.REPOSMITH_HOOK_INPUT);
    summary(input.stack, await destroyStack(hookOptions(o.state), input, files()), false);
  });
  common(
    hook.command("drain").description("a record, destroyed: delete what the records' destroy provisioners spooled"),
  ).action(async (o: { state?: string }) => {
    const spool = process.env.REPOSMITH_SPOOL;
    if (!spool) throw new HookInputError("REPOSMITH_SPOOL is not set (the record's destroy provisioner sets it)");
    await drainSpool(hookOptions(o.state), { ...files(), spool });
  });
  for (const old of ["apply", "delete", "prune"])
    common(hook.command(old, { hidden: true }).description("format 1 (refused)")).action(formatOne);
}
