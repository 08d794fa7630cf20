import path from "node:path";
import type { Command } from "commander";
import { FileStateStore, PostgresStateStore, type RunOptions, type StateStore } from "../engine";
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
}

/** Options every stack-reading command takes, cdktf-style. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option("--app <cmd>", APP_OPTION_HELP)
    .option("--output <dir>", outputOptionHelp("synth output directory"))
    .option(
      "--state <path>",
      "state location: a directory (file backend) or postgres://user@host:port/db",
      ".reposmith/state",
    )
    .option("--stack <name...>", "only these stacks (default: all)")
    .option("--skip-synth", "read the existing output directory instead of running the app")
    .option("--parallelism <n>", "operations run at once", "10");
}

/** The one option of the commands that read only state (`state …`, `output`). */
export function withStateOption(cmd: Command): Command {
  return cmd.option("--state <path>", "state location", ".reposmith/state");
}

export function openStore(location: string | undefined): StateStore {
  const loc = location ?? ".reposmith/state";
  if (/^postgres(ql)?:\/\//.test(loc)) return new PostgresStateStore(loc);
  return new FileStateStore(path.resolve(loc));
}

/** Synthesizes (unless --skip-synth) and returns what the engine needs. */
export function prepare(opts: CommonOptions): RunOptions {
  const outdir = opts.skipSynth ? resolveApp(opts).outdir : synthesize(opts);
  return { outdir, store: openStore(opts.state), stacks: opts.stack, parallelism: parseParallelism(opts.parallelism) };
}

/** `--parallelism`: a whole number of at least 1 (10 when not given). */
export function parseParallelism(text: string | undefined): number {
  const parallelism = Number(text ?? 10);
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw new CliError(`--parallelism must be a whole number of at least 1 (got ${text})`);
  return parallelism;
}
