import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { startEmulator } from "../../emulator";
import { CliError } from "../errors";

export function registerEmulator(program: Command): void {
  program
    .command("emulator")
    .description("serve a local, stateful emulator of the Cloudsmith API and Huawei CodeArts Repo (+ IAM) on 127.0.0.1")
    .option("--port <n>", "port (0 = any free port)", "0")
    .requiredOption("--api-key <key>", "the API key clients must send (X-Api-Key)")
    .option("--seed <file>", 'JSON seed: {"repositories":[{"owner":"acme","slug":"prod"}]}')
    .option("--latency <ms>", "delay added to every API response", "0")
    .action(async (o: { port: string; apiKey: string; seed?: string; latency: string }) => {
      let seed: unknown;
      if (o.seed) {
        try {
          seed = JSON.parse(readFileSync(o.seed, "utf8"));
        } catch (err) {
          throw new CliError(
            `--seed ${o.seed}: ${(err as Error).message}; it must be a JSON file such as ` +
              `{"repositories":[{"owner":"acme","slug":"prod"}]}`,
          );
        }
      }
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port must be 0-65535 (got ${o.port})`);
      const emu = await startEmulator({
        port,
        apiKey: o.apiKey,
        seed: seed as never,
        latencyMs: Number(o.latency) || 0,
      });
      process.stdout.write(`${emu.url}\n`);
      const stop = () => void emu.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await new Promise(() => undefined); // serve until signalled
    });
}
