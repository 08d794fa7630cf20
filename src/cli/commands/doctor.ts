import type { Command } from "commander";
import { exitCodeOf, renderResults } from "../doctor/check";
import { cloudsmithChecks } from "../doctor/cloudsmith";
import { codeartsChecks } from "../doctor/codearts";
import { CliError } from "../errors";

interface DoctorOptions {
  repo?: string;
  scratchRepo?: string;
  codeartsRepository?: string;
  consoleSays?: string;
  yes?: boolean;
  json?: boolean;
}

function ownerRepo(flag: string, value: string | undefined): { owner: string; repo: string } | undefined {
  if (value === undefined) return undefined;
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!m) throw new CliError(`${flag} must be OWNER/REPO, e.g. acme/doctor-scratch (got ${JSON.stringify(value)})`);
  return { owner: m[1], repo: m[2] };
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check what reposmith assumes about the live APIs " +
        "(auth, pagination, rate-limit headers, field errors, read-after-write lag, CodeArts mirror flags) " +
        "with your real credentials; one line per check: " +
        "ok, differs (with the emulator setting that reproduces it), skipped or failed. " +
        "Read-only unless --scratch-repo is given, or --codearts-repository with --yes; " +
        "never prints a secret. Exit 0 all ok, 2 something differs, 1 a check failed",
    )
    .option(
      "--repo <owner/repo>",
      "also read this repository's lists (pagination, a page past the last, package search); reads only",
    )
    .option(
      "--scratch-repo <owner/repo>",
      "also create, disable and delete a scratch token here, and send a create the API must refuse (implies --repo)",
    )
    .option("--codearts-repository <id>", "also read this CodeArts repository's mirror (reads only, unless --yes)")
    .option(
      "--yes",
      "with --codearts-repository: write the mirror's mirroring_enabled to the other value, read it back, " +
        "and put every field read back (checked by a read)",
    )
    .option(
      "--console-says <on|off>",
      "what the CodeArts console shows as that repository's scheduled sync: " +
        "tells which mirroring_enabled reading the server implements",
    )
    .option("--json", "print the checks as JSON")
    .action(async (o: DoctorOptions) => {
      const scratch = ownerRepo("--scratch-repo", o.scratchRepo);
      const repo = ownerRepo("--repo", o.repo) ?? scratch;
      let repositoryId: number | undefined;
      if (o.codeartsRepository !== undefined) {
        repositoryId = Number(o.codeartsRepository);
        if (!/^\d+$/.test(o.codeartsRepository) || repositoryId < 1 || repositoryId > 2_147_483_647) {
          throw new CliError(
            `--codearts-repository must be a CodeArts repository id, ` +
              `a whole number such as 123 (got ${JSON.stringify(o.codeartsRepository)})`,
          );
        }
      }
      if (o.consoleSays !== undefined && o.consoleSays !== "on" && o.consoleSays !== "off")
        throw new CliError(`--console-says must be on or off (got ${JSON.stringify(o.consoleSays)})`);
      if (o.consoleSays !== undefined && repositoryId === undefined)
        throw new CliError("--console-says needs --codearts-repository: it describes that repository's scheduled sync");
      if (o.yes && repositoryId === undefined)
        throw new CliError("--yes needs --codearts-repository: it allows writing that repository's mirror flag");
      const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
      const results = [
        ...(await cloudsmithChecks({ env: process.env, repo, scratch, sleep })),
        ...(await codeartsChecks({
          env: process.env,
          repositoryId,
          consoleSays: o.consoleSays as "on" | "off" | undefined,
          yes: o.yes,
        })),
      ];
      process.stdout.write(
        (o.json ? JSON.stringify({ format_version: "1", checks: results }, null, 2) : renderResults(results)) + "\n",
      );
      process.exitCode = exitCodeOf(results);
    });
}
