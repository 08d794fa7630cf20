/**
 * Doctor checks against Huawei Cloud CodeArts Repo. Without a repository only the IAM login is
 * checked. With `--codearts-repository ID` the repository's mirror is read, and (when it has one)
 * its `mirroring_enabled` flag is written to the other value, read back and restored, so this
 * opt-in is a write. Sources: docs/api/codearts-repo.md#update-mirror-settings and
 * #show-mirror-information.
 */
import { CodeArtsClient } from "../../api/codearts";
import { DOCUMENTED_READING, type MirroringEnabledReading } from "../../resources/mirroring-enabled";
import { lookupMirror } from "../../resources/repository-mirror-lookup";
import { differs, failed, messageOf, ok, skipped, type CheckResult } from "./check";

export interface CodeArtsDoctorOptions {
  env: NodeJS.ProcessEnv;
  repositoryId?: number;
  /** What the CodeArts console shows as the repository's scheduled sync, after this run: read by the user. */
  consoleSays?: "on" | "off";
}

const HW_VARS = ["HW_REGION_NAME", "HW_CODEARTS_REPO_ENDPOINT", "HW_AUTH_TOKEN", "HW_USER_NAME", "HW_DOMAIN_NAME"];

export async function codeartsChecks(o: CodeArtsDoctorOptions): Promise<CheckResult[]> {
  if (!HW_VARS.some((v) => o.env[v]?.trim()))
    return [skipped("codearts.auth", `none of ${HW_VARS.join(", ")} is set: no CodeArts check runs`)];
  let client: CodeArtsClient;
  try {
    client = CodeArtsClient.fromEnv(o.env);
    await client.auth.token();
  } catch (e) {
    return [failed("codearts.auth", messageOf(e))];
  }
  const results = [ok("codearts.auth", `an IAM token for ${client.endpoint}`)];
  if (o.repositoryId === undefined) {
    for (const id of [
      "codearts.no-mirror-answer",
      "codearts.mirroring-enabled-roundtrip",
      "codearts.mirroring-enabled-reading",
    ]) {
      results.push(
        skipped(
          id,
          "needs --codearts-repository ID (it reads that repository's mirror and, when there is one, writes its mirroring_enabled and restores it)",
        ),
      );
    }
    return results;
  }
  return [...results, ...(await repositoryChecks(client, o.repositoryId, o.consoleSays))];
}

async function repositoryChecks(
  client: CodeArtsClient,
  id: number,
  consoleSays: "on" | "off" | undefined,
): Promise<CheckResult[]> {
  let lookup: Awaited<ReturnType<typeof lookupMirror>>;
  try {
    lookup = await lookupMirror(client, id);
  } catch (e) {
    return [failed("codearts.no-mirror-answer", `repository ${id}: ${messageOf(e)}`)];
  }
  if (lookup.found === "repository-gone")
    return [failed("codearts.no-mirror-answer", `CodeArts repository ${id} does not exist (${lookup.error.message})`)];
  if (lookup.found === "no-mirror") {
    const seen = `repository ${id} has no mirror, and ShowRemoteMirror said so with ${lookup.answer === "404" ? "a 404" : "a 200 whose fields are empty"}`;
    const noFlag = `repository ${id} has no mirror: associate one (a RepositoryMirror does) and run again`;
    return [
      lookup.answer === "404"
        ? ok("codearts.no-mirror-answer", seen)
        : differs("codearts.no-mirror-answer", seen, {
            api: "codearts",
            setting: "noMirrorResponse",
            value: "empty200",
          }),
      skipped("codearts.mirroring-enabled-roundtrip", noFlag),
      skipped("codearts.mirroring-enabled-reading", noFlag),
    ];
  }
  const results = [
    skipped(
      "codearts.no-mirror-answer",
      `repository ${id} has a mirror: run with the id of a repository without one to see how CodeArts says "no mirror"`,
    ),
  ];
  const before = lookup.mirror.mirroring_enabled;
  if (typeof before !== "boolean")
    return [
      ...results,
      failed("codearts.mirroring-enabled-roundtrip", `repository ${id}'s mirror shows no mirroring_enabled`),
    ];
  results.push(await roundTrip(client, id, before));
  results.push(readingCheck(id, before, consoleSays));
  return results;
}

/** PUT the other value, read it back from the PUT's answer and from show, then PUT the original back. */
async function roundTrip(client: CodeArtsClient, id: number, before: boolean): Promise<CheckResult> {
  const check = "codearts.mirroring-enabled-roundtrip";
  const flipped = !before;
  let echoed: boolean | null | undefined;
  let shown: boolean | null | undefined;
  let error: unknown;
  try {
    echoed = (await client.updateMirror(id, { mirroring_enabled: flipped })).mirroring_enabled;
    shown = (await client.showMirror(id)).mirroring_enabled;
  } catch (e) {
    error = e;
  }
  // Put it back whatever happened (a failed PUT may still have been applied).
  let restored: boolean | null | undefined;
  try {
    await client.updateMirror(id, { mirroring_enabled: before });
    restored = (await client.showMirror(id)).mirroring_enabled;
  } catch (e) {
    return failed(
      check,
      `could not put mirroring_enabled back to ${before} on repository ${id} (${messageOf(e)}): set it back in the CodeArts console`,
    );
  }
  if (restored !== before)
    return failed(
      check,
      `repository ${id} shows mirroring_enabled=${restored} after it was put back to ${before}: check it in the CodeArts console`,
    );
  if (error) return failed(check, `repository ${id}: ${messageOf(error)} (mirroring_enabled is back to ${before})`);
  const seen = `PUT mirroring_enabled=${flipped} answered ${echoed}, show then read ${shown}; put back to ${before}`;
  return echoed === flipped && shown === flipped
    ? ok(check, `${seen}: one value on both routes`)
    : differs(check, `${seen}: the update and show routes disagree, so no single reading holds for both`);
}

/**
 * Which reading the server implements cannot be seen through the API (it returns only the raw
 * flag); the console's scheduled-sync switch shows what it means. The user reads it and says.
 */
function readingCheck(id: number, raw: boolean, consoleSays: "on" | "off" | undefined): CheckResult {
  const check = "codearts.mirroring-enabled-reading";
  if (!consoleSays) {
    return skipped(
      check,
      `the API returns only the raw flag (repository ${id}: mirroring_enabled=${raw}); look at its scheduled synchronization switch in the CodeArts console and run again with --console-says on|off`,
    );
  }
  const reading: MirroringEnabledReading = raw === (consoleSays === "on") ? "true-means-on" : "true-means-off";
  const seen = `mirroring_enabled=${raw} while the console says scheduled sync is ${consoleSays}: the server implements "${reading}"`;
  return reading === DOCUMENTED_READING
    ? ok(check, `${seen}, the documented reading reposmith uses by default`)
    : differs(
        check,
        `${seen}, not the update API's documented reading: set CodeArtsConnection mirroringEnabledReading: "${reading}"`,
        { api: "codearts", setting: "mirroringEnabledReading", value: reading },
      );
}
