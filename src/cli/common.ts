import path from "node:path";
import { Option, type Command } from "commander";
import {
  FileStateStore,
  LockWaitingStore,
  PostgresStateStore,
  type LockWait,
  type RunOptions,
  type StateStore,
} from "../engine";
import { DURATION_EXAMPLES, parseDuration } from "../util/duration";
import { CliError } from "./errors";
import { APP_OPTION_HELP, outputOptionHelp } from "./messages";
import { resolveApp, synthesize } from "./synth";

export interface CommonOptions {
  app?: string;
  output?: string;
  state?: string;
  stack?: string[];
  skipSynth?: boolean;
  parallelism?: string;
  lockTimeout?: string;
}

/**
 * The environment settings: each names the flag it stands for, which wins when both are given
 * (flag, then environment, then default). Every command that takes the flag reads its variable,
 * so `REPOSMITH_STATE` set once in a CI job or a Pod reaches plan, apply, state list and the rest.
 */
export const ENV = {
  state: "REPOSMITH_STATE",
  app: "REPOSMITH_APP",
  output: "REPOSMITH_OUTPUT",
  parallelism: "REPOSMITH_PARALLELISM",
  lockTimeout: "REPOSMITH_LOCK_TIMEOUT",
} as const;

const DEFAULT_STATE = ".reposmith/state";

/** `--state`, read from REPOSMITH_STATE when not given. */
export const stateOption = (help = "state location: a directory (file backend) or postgres://user@host:port/db") =>
  new Option("--state <path>", help).env(ENV.state).default(DEFAULT_STATE);

/** `--lock-timeout`: how long to wait for a held state lock. */
export const lockTimeoutOption = () =>
  new Option(
    "--lock-timeout <duration>",
    "wait this long for a state lock another process holds (e.g. 5m), printing a line at least every 10 s; " +
      "0s fails at once",
  )
    .env(ENV.lockTimeout)
    .default("0s");

/** Options every stack-reading command takes, cdktf-style. */
export function withCommon(cmd: Command): Command {
  return cmd
    .addOption(new Option("--app <cmd>", APP_OPTION_HELP).env(ENV.app))
    .addOption(new Option("--output <dir>", outputOptionHelp("synth output directory")).env(ENV.output))
    .addOption(stateOption())
    .option("--stack <name...>", "only these stacks (default: all)")
    .option("--skip-synth", "read the existing output directory instead of running the app")
    .addOption(new Option("--parallelism <n>", "operations run at once").env(ENV.parallelism).default("10"));
}

/** The one option of the commands that read only state (`state …`, `output`). */
export function withStateOption(cmd: Command): Command {
  return cmd.addOption(stateOption("state location: a directory (file backend) or postgres://user@host:port/db"));
}

/**
 * The state store at `location`. With `lockTimeoutMs` above 0 its lock() waits that long for a
 * held lock, reporting through `onWait` (see src/engine/lock-wait.ts).
 */
export function openStore(
  location: string | undefined,
  lock?: { timeoutMs: number; onWait?: (w: LockWait) => void },
): StateStore {
  const loc = location ?? DEFAULT_STATE;
  const store = /^postgres(ql)?:\/\//.test(loc) ? new PostgresStateStore(loc) : new FileStateStore(path.resolve(loc));
  return lock && lock.timeoutMs > 0 ? new LockWaitingStore(store, lock) : store;
}

/**
 * A duration flag's value in milliseconds, through the parser every duration prop uses too
 * (src/util/duration.ts); `min` in milliseconds.
 */
export function parseDurationFlag(flag: string, text: string, min = 0): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < min)
    throw new CliError(
      `${flag} must be a duration${min > 0 ? ` of at least ${min}ms` : ""} such as ${DURATION_EXAMPLES} ` +
        `(got "${text}")`,
    );
  return ms;
}

/** Synthesizes (unless --skip-synth) and returns what the engine needs. */
export function prepare(opts: CommonOptions, lock?: { onWait?: (w: LockWait) => void }): RunOptions {
  // Flags are checked before the app runs: a typo fails in a moment, not after a synth.
  const timeoutMs = opts.lockTimeout === undefined ? 0 : parseDurationFlag("--lock-timeout", opts.lockTimeout);
  const parallelism = parseParallelism(opts.parallelism);
  const outdir = opts.skipSynth ? resolveApp(opts).outdir : synthesize(opts);
  return { outdir, store: openStore(opts.state, { timeoutMs, onWait: lock?.onWait }), stacks: opts.stack, parallelism };
}

/** `--parallelism`: a whole number of at least 1 (10 when not given). */
export function parseParallelism(text: string | undefined): number {
  const parallelism = Number(text ?? 10);
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw new CliError(`--parallelism must be a whole number of at least 1 (got ${text})`);
  return parallelism;
}
