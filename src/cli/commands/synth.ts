import { Option, type Command } from "commander";
import { ENV, stateOption } from "../common";
import { readDesired } from "../../engine";
import { APP_OPTION_HELP, outputOptionHelp } from "../messages";
import { synthesize } from "../synth";

export function registerSynth(program: Command): void {
  program
    .command("synth")
    .description("run the app and write the synthesized stacks (no API calls)")
    .addOption(new Option("--app <cmd>", APP_OPTION_HELP).env(ENV.app))
    .addOption(new Option("--output <dir>", outputOptionHelp("output directory")).env(ENV.output))
    .addOption(stateOption("accepted for symmetry; synth reads no state"))
    .action((o: { app?: string; output?: string }) => {
      const outdir = synthesize(o);
      const stacks = readDesired(outdir);
      const n = stacks.reduce((sum, s) => sum + s.resources.length, 0);
      process.stdout.write(
        `Synthesized ${stacks.length} stack(s) with ${n} reposmith resource(s) to ${outdir}: ` +
          `${stacks.map((s) => s.name).join(", ")}\n`,
      );
    });
}
