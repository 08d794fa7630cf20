import type { Command } from "commander";
import { applyAll, renderPlan } from "../../engine";
import { colorFor } from "../color";
import { prepare, withCommon, type CommonOptions } from "../common";
import { confirmOrAuto, printEvent, printNotices, printOutcome, ProgressDisplay } from "../output";

export type ApplyOpts = CommonOptions & { autoApprove?: boolean };

/**
 * Ctrl-C during an apply, as Terraform does it: the first one stops new operations and lets the
 * ones in flight end (a wait stops at its next poll and records what it made), then state is
 * saved and the command exits 130; a second one exits at once (the lock is then taken over as stale).
 */
function interruptible(): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    process.stderr.write(
      "\nInterrupt received: finishing what is in flight and saving state. Press Ctrl-C again to stop at once.\n",
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    done: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** `apply`, and `destroy` (an apply whose plan deletes everything in state, as `terraform apply -destroy`). */
export async function runApply(o: ApplyOpts, destroy: boolean): Promise<void> {
  const progress = new ProgressDisplay();
  const interrupt = interruptible();
  const result = await applyAll(
    {
      ...prepare(o),
      signal: interrupt.signal,
      onEvent: (e) => progress.around(() => printEvent(e), e.phase === "start" ? undefined : e.key),
      onProgress: progress.update,
      confirm: async (plan) => {
        process.stdout.write(renderPlan(plan, { color: colorFor(process.stdout) }) + "\n");
        return confirmOrAuto(
          o.autoApprove,
          destroy ? "Do you really want to destroy all resources?" : "Do you want to perform these actions?",
        );
      },
    },
    { destroy },
  ).finally(() => {
    progress.stop();
    interrupt.done();
  });
  printNotices(result.ctx.notices);
  if (!result.applied) {
    process.stdout.write(`\n${destroy ? "Destroy" : "Apply"} cancelled.\n`);
    process.exitCode = 1;
    return;
  }
  if (!result.results.some((r) => r.done.length || r.failed.length)) {
    process.stdout.write("No changes. Your resources match the configuration.\n");
    process.exitCode = 0;
    return;
  }
  process.exitCode = printOutcome(result.results, destroy, interrupt.signal.aborted);
}

export function registerApply(program: Command): void {
  withCommon(program.command("apply").description("make the remote resources match the configuration"))
    .option("--auto-approve", "apply without asking")
    .action((o: ApplyOpts) => runApply(o, false));
}
