import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { applyAll, applySavedPlan, loadPlan, renderPlan, type ApplyEvent, type ApplyResult } from "../../engine";
import type { RunContext } from "../../engine";
import { colorFor } from "../color";
import { lockTimeoutOption, openStore, parseDurationFlag, parseParallelism, prepare, withCommon } from "../common";
import type { CommonOptions } from "../common";
import { CliError } from "../errors";
import {
  applyJson,
  confirmOrAuto,
  printEvent,
  printLockWait,
  printNotices,
  printOutcome,
  ProgressDisplay,
} from "../output";

export type ApplyOpts = CommonOptions & { autoApprove?: boolean; json?: boolean };

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

/**
 * What an apply prints while it runs: the steps (on stdout, or stderr under --json, whose stdout
 * is the JSON document alone), live progress, heartbeats on a non-terminal, rate-limit pauses.
 */
function runOutput(json: boolean | undefined) {
  const out = json ? process.stderr : process.stdout;
  const progress = new ProgressDisplay(out);
  const onApiEvent = (api: string) => (e: { type: string; waitMs?: number }) => {
    if (e.type === "throttle" && (e.waitMs ?? 0) >= 1_000) progress.rateLimited(api, e.waitMs!);
  };
  return {
    progress,
    engine: {
      onEvent: (e: ApplyEvent) => {
        progress.step(e);
        progress.around(() => printEvent(e, out), e.phase === "start" ? undefined : e.key);
      },
      onProgress: progress.update,
      clientOptions: { onEvent: onApiEvent("Cloudsmith") },
      codeartsOptions: { onEvent: onApiEvent("CodeArts") },
    },
  };
}

/** The end of an apply: the outcome as text or JSON, and the exit code. */
function finish(
  o: ApplyOpts,
  destroy: boolean,
  r: { results: ApplyResult[]; ctx: RunContext },
  interrupted: boolean,
): void {
  printNotices(r.ctx.notices);
  const code = (() => {
    if (o.json) {
      process.stdout.write(JSON.stringify(applyJson(r.results, true, interrupted), null, 2) + "\n");
      if (interrupted) return 130;
      return r.results.some((x) => x.failed.length) ? 1 : 0;
    }
    if (!r.results.some((x) => x.done.length || x.failed.length)) {
      process.stdout.write("No changes. Your resources match the configuration.\n");
      return 0;
    }
    return printOutcome(r.results, destroy, interrupted);
  })();
  process.exitCode = code;
}

/** `apply`, and `destroy` (an apply whose plan deletes everything in state, as `terraform apply -destroy`). */
export async function runApply(o: ApplyOpts, destroy: boolean): Promise<void> {
  if (o.json && !o.autoApprove)
    throw new CliError(
      `--json prints one JSON document and asks nothing: add --auto-approve (or apply a saved plan: ` +
        `reposmith plan --out FILE, then reposmith apply FILE)`,
    );
  const { progress, engine } = runOutput(o.json);
  const interrupt = interruptible();
  const result = await applyAll(
    {
      ...prepare(o, { onWait: (w) => printLockWait(w) }),
      ...engine,
      signal: interrupt.signal,
      // --json asks nothing (it needs --auto-approve) and prints only its document.
      confirm: o.json
        ? undefined
        : async (plan) => {
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
  if (!result.applied) {
    printNotices(result.ctx.notices);
    process.stdout.write(`\n${destroy ? "Destroy" : "Apply"} cancelled.\n`);
    process.exitCode = 1;
    return;
  }
  finish(o, destroy, result, interrupt.signal.aborted);
}

/** Flags that choose what to plan: a saved plan already decided, so they are refused with one. */
const PLANNING_FLAGS = ["app", "output", "stack", "skipSynth"] as const;

/** `apply FILE`: the saved plan, exactly, without asking (src/engine/saved-plan.ts). */
async function applyFile(file: string, o: ApplyOpts, cmd: Command): Promise<void> {
  const given = PLANNING_FLAGS.filter((f) => cmd.getOptionValueSource(f) === "cli");
  if (given.length)
    throw new CliError(
      `${given.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")} cannot be used with ` +
        `a saved plan: the plan decides what is applied`,
    );
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read the plan file ${file}: ${(err as Error).message}`);
  }
  const saved = loadPlan(text, file);
  const timeoutMs = parseDurationFlag("--lock-timeout", o.lockTimeout ?? "0s");
  const store = openStore(o.state, { timeoutMs, onWait: (w) => printLockWait(w) });
  const { progress, engine } = runOutput(o.json);
  const interrupt = interruptible();
  try {
    const run = await applySavedPlan(
      { store, parallelism: parseParallelism(o.parallelism), ...engine, signal: interrupt.signal },
      saved,
    ).finally(() => {
      progress.stop();
      interrupt.done();
    });
    finish(o, saved.destroy, run, interrupt.signal.aborted);
  } finally {
    await store.close();
  }
}

export function registerApply(program: Command): void {
  withCommon(program.command("apply").description("make the remote resources match the configuration"))
    .argument("[planfile]", "a plan saved by `reposmith plan --out FILE`: apply exactly it, without asking")
    .option("--auto-approve", "apply without asking")
    .option("--json", "print the outcome as one JSON document (plan's envelope); needs --auto-approve or a plan file")
    .addOption(lockTimeoutOption())
    .action(function (this: Command, file: string | undefined, o: ApplyOpts) {
      return file ? applyFile(file, o, this) : runApply(o, false);
    });
}
