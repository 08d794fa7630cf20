/**
 * Doctor checks against Huawei Cloud CodeArts Repo. Auth is always checked with a request to
 * CodeArts itself (a ready HW_AUTH_TOKEN is not taken on trust). With `--codearts-repository ID`
 * the repository's mirror is read; only with `--yes` is its `mirroring_enabled` flag written to the
 * other value, read back, and every field that was read put back and verified by a read. Sources:
 * docs/api/codearts-repo.md#update-mirror-settings and #show-mirror-information.
 */
import {
  AuthError,
  CodeArtsClient,
  CodeArtsConfigError,
  isCodeArtsNotFound,
  type CodeArtsClientOptions,
  type MirrorInfo,
  type MirrorSettings,
} from "../../api/codearts";
import { DOCUMENTED_READING, type MirroringEnabledReading } from "../../resources/mirroring-enabled";
import { lookupMirror } from "../../resources/repository-mirror-lookup";
import { redactUrls, withoutCredentials } from "../../util/url-credentials";
import { differs, failed, guard, messageOf, ok, Results, skipped, type CheckResult } from "./check";
import { DOCTOR_TUNING } from "./cloudsmith";

export interface CodeArtsDoctorOptions {
  env: NodeJS.ProcessEnv;
  repositoryId?: number;
  /** What the CodeArts console shows as the repository's scheduled sync, after this run: read by the user. */
  consoleSays?: "on" | "off";
  /** May write the mirror's flag (and put it back). @default false: reads only */
  yes?: boolean;
  /** Client tuning (tests). @default DOCTOR_TUNING */
  clientOptions?: Partial<CodeArtsClientOptions>;
}

const HW_VARS = ["HW_REGION_NAME", "HW_CODEARTS_REPO_ENDPOINT", "HW_AUTH_TOKEN", "HW_USER_NAME", "HW_DOMAIN_NAME"];
const REPOSITORY_CHECKS = [
  "codearts.no-mirror-answer",
  "codearts.mirroring-enabled-roundtrip",
  "codearts.mirroring-enabled-reading",
];
/** Every CodeArts check id, in the order lines are printed. */
export const CODEARTS_CHECKS = ["codearts.auth", ...REPOSITORY_CHECKS];

/**
 * The repository the auth request reads when none is given: the API gateway authenticates every
 * route before CodeArts looks at the id, so any answer but a 401 means the token was taken.
 */
const AUTH_PROBE_REPOSITORY = 1;

export async function codeartsChecks(o: CodeArtsDoctorOptions): Promise<CheckResult[]> {
  const out = new Results();
  if (!HW_VARS.some((v) => o.env[v]?.trim())) {
    out.skip(CODEARTS_CHECKS, `none of ${HW_VARS.join(", ")} is set: no CodeArts check runs`);
    return out.list();
  }
  let client: CodeArtsClient;
  try {
    client = CodeArtsClient.fromEnv(o.env, {}, { ...DOCTOR_TUNING, ...o.clientOptions });
  } catch (e) {
    out.add(failed("codearts.auth", messageOf(e)));
    out.skip(CODEARTS_CHECKS, "no CodeArts client: see codearts.auth");
    return out.list();
  }
  // Refused credentials (a 401 from IAM or CodeArts, a ready token that cannot be renewed): every
  // other check would meet the same refusal. Any other failure (a 5xx) leaves them to run.
  let rejected = false;
  out.add(
    await guard("codearts.auth", () =>
      authCheck(client, o.repositoryId).catch((e: unknown) => {
        rejected = (e as { status?: number }).status === 401 || e instanceof CodeArtsConfigError;
        throw e;
      }),
    ),
  );
  if (rejected) {
    out.skip(CODEARTS_CHECKS, "CodeArts did not take the credentials (see codearts.auth)");
    return out.list();
  }
  if (o.repositoryId === undefined) {
    out.skip(
      REPOSITORY_CHECKS,
      "needs --codearts-repository ID (it reads that repository's mirror; " +
        "with --yes it also writes its mirroring_enabled and puts it back)",
    );
    return out.list();
  }
  await repositoryChecks(client, o.repositoryId, o, out);
  return out.list();
}

/**
 * A request CodeArts must authenticate: an IAM login first when the credentials are a password, then ShowRepository.
 */
async function authCheck(client: CodeArtsClient, repositoryId: number | undefined): Promise<CheckResult> {
  const id = "codearts.auth";
  const where = withoutCredentials(client.endpoint);
  await client.auth.token();
  const repository = repositoryId ?? AUTH_PROBE_REPOSITORY;
  try {
    await client.showRepository(repository);
  } catch (e) {
    if (e instanceof AuthError && e.status === 401)
      throw Object.assign(
        new Error(
          `CodeArts at ${where} rejected the IAM token: ${e.message}; ${e.authHint ?? "check the HW_* credentials"}`,
        ),
        { status: 401 },
      );
    // 404 (no such repository) or 403 (no permission on it): the gateway took the token first.
    if (!isCodeArtsNotFound(e) && !(e instanceof AuthError)) throw e;
  }
  return ok(id, `CodeArts at ${where} took the IAM token (ShowRepository ${repository} answered without a 401)`);
}

async function repositoryChecks(
  client: CodeArtsClient,
  id: number,
  o: CodeArtsDoctorOptions,
  out: Results,
): Promise<void> {
  let mirror: MirrorInfo | undefined;
  out.add(
    await guard("codearts.no-mirror-answer", async () => {
      const lookup = await lookupMirror(client, id);
      if (lookup.found === "repository-gone")
        return failed(
          "codearts.no-mirror-answer",
          `CodeArts repository ${id} does not exist (${lookup.error.message})`,
        );
      if (lookup.found === "mirror") {
        mirror = lookup.mirror;
        return skipped(
          "codearts.no-mirror-answer",
          `repository ${id} has a mirror: ` +
            `run with the id of a repository without one to see how CodeArts says "no mirror"`,
        );
      }
      const seen =
        `repository ${id} has no mirror, and ShowRemoteMirror said so with ` +
        `${lookup.answer === "404" ? "a 404" : "a 200 whose fields are empty"}`;
      return lookup.answer === "404"
        ? ok("codearts.no-mirror-answer", seen)
        : differs("codearts.no-mirror-answer", seen, {
            api: "codearts",
            setting: "noMirrorResponse",
            value: "empty200",
          });
    }),
  );
  if (!mirror) {
    const why =
      out.list().find((r) => r.id === "codearts.no-mirror-answer")?.status === "failed"
        ? "needs the repository's mirror, which could not be read (see codearts.no-mirror-answer)"
        : `repository ${id} has no mirror: associate one (a RepositoryMirror does) and run again`;
    out.skip(REPOSITORY_CHECKS, why);
    return;
  }
  const before = mirror.mirroring_enabled;
  if (typeof before !== "boolean") {
    out.skip(REPOSITORY_CHECKS, `repository ${id}'s mirror shows no mirroring_enabled`);
    return;
  }
  out.add(
    o.yes
      ? await guard("codearts.mirroring-enabled-roundtrip", () => roundTrip(client, id, mirror!))
      : skipped(
          "codearts.mirroring-enabled-roundtrip",
          `not run: it writes repository ${id}'s mirroring_enabled to the other value and puts every field back; ` +
            `run again with --yes to allow it`,
        ),
  );
  out.add(readingCheck(id, before, o.consoleSays));
}

/**
 * The fields the roundtrip read and puts back, as PUT takes them
 * (no empty endpoint_uuid: the PUT page does not say what it does).
 */
function restoring(m: MirrorInfo): MirrorSettings {
  const body: MirrorSettings = { mirroring_enabled: m.mirroring_enabled as boolean };
  if (typeof m.url === "string" && m.url) body.url = m.url;
  if (typeof m.endpoint_uuid === "string" && m.endpoint_uuid) body.endpoint_uuid = m.endpoint_uuid;
  return body;
}

/** Each field that was read and reads otherwise now, as `field: was -> now` (URLs without credentials). */
function notRestored(before: MirrorSettings, now: MirrorInfo): string[] {
  const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(redactUrls(v)) : String(v));
  const out: string[] = [];
  for (const [k, v] of Object.entries(before)) {
    const is = (now as Record<string, unknown>)[k];
    if (is !== v) out.push(`${k}: ${show(v)} -> ${show(is)}`);
  }
  return out;
}

/**
 * PUT the other value, read it back from the PUT's answer and
 * from show, then put every field read back and verify by a read.
 */
async function roundTrip(client: CodeArtsClient, id: number, mirror: MirrorInfo): Promise<CheckResult> {
  const check = "codearts.mirroring-enabled-roundtrip";
  const before = restoring(mirror);
  const flipped = !before.mirroring_enabled;
  let echoed: boolean | null | undefined;
  let shown: boolean | null | undefined;
  let error: unknown;
  try {
    echoed = (await client.updateMirror(id, { mirroring_enabled: flipped })).mirroring_enabled;
    shown = (await client.showMirror(id)).mirroring_enabled;
  } catch (e) {
    error = e;
  }
  // Put it back whatever happened (a failed PUT may still have been applied), and check it by a read.
  let after: MirrorInfo;
  try {
    await client.updateMirror(id, before);
    after = await client.showMirror(id);
  } catch (e) {
    return failed(
      check,
      `could not put repository ${id}'s mirror back (${messageOf(e)}): ` +
        `set mirroring_enabled to ${before.mirroring_enabled} in the CodeArts console and check its URL and endpoint`,
    );
  }
  const off = notRestored(before, after);
  if (off.length)
    return failed(
      check,
      `repository ${id}'s mirror reads otherwise after it was put back (${off.join(", ")}): ` +
        `set it back in the CodeArts console`,
    );
  if (error) return failed(check, `repository ${id}: ${messageOf(error)} (every field read is back as it was)`);
  const seen =
    `PUT mirroring_enabled=${flipped} answered ${echoed}, show then read ${shown}; ` +
    `put back as read (${Object.keys(before).join(", ")}) and read again`;
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
      `the API returns only the raw flag (repository ${id}: mirroring_enabled=${raw}); ` +
        `look at its scheduled synchronization switch in the CodeArts console and run again with --console-says on|off`,
    );
  }
  const reading: MirroringEnabledReading = raw === (consoleSays === "on") ? "true-means-on" : "true-means-off";
  const seen =
    `mirroring_enabled=${raw} while the console says scheduled sync is ${consoleSays}: ` +
    `the server implements "${reading}"`;
  return reading === DOCUMENTED_READING
    ? ok(check, `${seen}, the documented reading reposmith uses by default`)
    : differs(
        check,
        `${seen}, not the update API's documented reading: set CodeArtsConnection mirroringEnabledReading: ` +
          `"${reading}"`,
        { api: "codearts", setting: "mirroringEnabledReading", value: reading },
      );
}
