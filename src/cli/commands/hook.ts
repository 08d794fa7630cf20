import type { Command } from "commander";
import { hookApply, hookDelete, hookPrune, parseHookInput, HookInputError, type ApplyEvent } from "../../engine";
import { openStore } from "../common";
import { printEvent } from "../output";

/**
 * The state a hook uses: --state, else REPOSMITH_STATE, else the location the stack recorded at
 * synth time (relative to the stack directory Terraform runs in), else .reposmith/state.
 */
function hookStore(state: string | undefined) {
  return openStore(state ?? process.env.REPOSMITH_STATE ?? process.env.REPOSMITH_STATE_DEFAULT);
}

/**
 * What a hook prints into Terraform's output: the steps, and the notes a plan would have shown
 * (Terraform shows no reposmith plan). A failure is left to the error handler, which prints it
 * once on stderr and sets the exit code.
 */
function hookEvent(e: ApplyEvent): void {
  if (e.phase === "error") return;
  printEvent(e);
  if (e.phase === "done" && e.notice) process.stdout.write(`${e.key}: note: ${e.notice}\n`);
  // Terraform runs a provisioner only when its resource is created, so a changed spec re-runs the
  // hook by replacing its resource: the plan says "must be replaced" and counts "1 to add, 1 to
  // destroy". Say here what happened to the remote object (under create_before_destroy the old
  // resource's destroy provisioner does not run: design note in README "Two ways to apply").
  if (e.phase === "done" && e.action === "update") {
    process.stdout.write(
      `${e.key}: updated in place${e.id ? `, same id ${e.id}` : ""}: only this hook's Terraform resource is replaced (a hook runs when its resource is created); nothing was deleted or re-created\n`,
    );
  }
}

export function registerHook(program: Command): void {
  const hook = program
    .command("hook")
    .description("called by Terraform's local-exec provisioners of synthesized stacks (reads REPOSMITH_HOOK_INPUT)");
  const common = (c: Command) =>
    c.option("--state <path>", "state location (default: REPOSMITH_STATE, else what the stack recorded)");

  common(hook.command("apply").description("create provisioner: make one resource match its payload")).action(
    async (o: { state?: string }) => {
      await hookApply(
        { store: hookStore(o.state), onEvent: hookEvent },
        parseHookInput(process.env.REPOSMITH_HOOK_INPUT),
      );
    },
  );
  common(hook.command("delete").description("destroy provisioner: delete one resource (reads only self)")).action(
    async (o: { state?: string }) => {
      await hookDelete(
        { store: hookStore(o.state), onEvent: hookEvent },
        parseHookInput(process.env.REPOSMITH_HOOK_INPUT),
      );
    },
  );
  common(
    hook.command("prune").description("per-stack prune: delete what state holds that the stack no longer declares"),
  ).action(async (o: { state?: string }) => {
    const input = JSON.parse(process.env.REPOSMITH_HOOK_INPUT ?? "null") as { stack?: string; keys?: string } | null;
    if (!input?.stack || typeof input.keys !== "string")
      throw new HookInputError("REPOSMITH_HOOK_INPUT is not a prune payload (stack, keys)");
    await hookPrune({ store: hookStore(o.state), onEvent: hookEvent }, input.stack, JSON.parse(input.keys) as string[]);
  });
}
