import type { Command } from "commander";
import { hasSecret, readSecret, stackOfKey } from "../../engine";
import { openStore, withStateOption } from "../common";
import { CliError } from "../errors";
import { notInState } from "../messages";

export function registerOutput(program: Command): void {
  withStateOption(
    program
      .command("output")
      .description("print a managed resource's attributes; --show-secret reads its secret value from the API"),
  )
    .argument("<key>")
    .option("--show-secret", "print only the secret value (e.g. the token), read from the API")
    .action(async (key: string, o: { state?: string; showSecret?: boolean }) => {
      const store = openStore(o.state);
      if (o.showSecret) {
        process.stdout.write((await readSecret({ store }, key)) + "\n");
        return;
      }
      const rs = (await store.read(stackOfKey(key))).resources[key];
      if (!rs) throw new CliError(notInState(key));
      const secret = hasSecret(rs.kind) ? { secret: "(sensitive: use --show-secret to print it)" } : {};
      process.stdout.write(JSON.stringify({ id: rs.id, ...rs.observed, ...secret }, null, 2) + "\n");
    });
}
