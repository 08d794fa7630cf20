import { Command, CommanderError } from "commander";
import { registerApply } from "./commands/apply";
import { registerDestroy } from "./commands/destroy";
import { registerDoctor } from "./commands/doctor";
import { registerDrift } from "./commands/drift";
import { registerEmulator } from "./commands/emulator";
import { registerHook } from "./commands/hook";
import { registerImport } from "./commands/import";
import { registerOutput } from "./commands/output";
import { registerPlan } from "./commands/plan";
import { registerReconcile } from "./commands/reconcile";
import { registerState } from "./commands/state";
import { registerSynth } from "./commands/synth";
import { CliError, printError } from "./errors";
import { REPOSMITH_VERSION as VERSION } from "../api/version";

export function buildProgram(): Command {
  const program = new Command("reposmith")
    .description("Declarative Cloudsmith entitlement tokens, package copies and CodeArts mirrors, from CDKTF")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError("(run reposmith --help for usage)")
    .option("--no-color", "plain output even on a terminal (as Terraform's -no-color; NO_COLOR=1 does the same)")
    .hook("preAction", (cmd) => {
      if (cmd.opts().color === false) process.env.NO_COLOR = "1";
    });
  registerSynth(program);
  registerPlan(program);
  registerApply(program);
  registerDestroy(program);
  registerDrift(program);
  registerReconcile(program);
  registerImport(program);
  registerState(program);
  registerOutput(program);
  registerEmulator(program);
  registerDoctor(program);
  registerHook(program);
  return program;
}

/** Entry point of bin/reposmith.js: runs one command and exits with its code (0, 1 error, 2 changes). */
export async function main(argv: string[]): Promise<void> {
  let code = 0;
  try {
    await buildProgram().parseAsync(argv);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      code = err.exitCode === 0 ? 0 : 1;
    } else {
      printError(err);
      code = err instanceof CliError ? err.exitCode : 1;
    }
  }
  // Flush before exiting: keep-alive sockets must not keep a finished command alive.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}
