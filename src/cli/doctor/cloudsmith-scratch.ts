/**
 * Doctor checks that write, in a scratch repository the user names: a create the API must refuse
 * (how field errors are answered), then one scratch token created, disabled and deleted (how soon
 * reads see each write). The token is never read with show_tokens, and it is deleted whatever
 * happens; if that fails, the line says how to delete it by hand.
 */
import { randomBytes } from "node:crypto";
import type { CloudsmithClient } from "../../api/cloudsmith";
import { differs, failed, messageOf, ok, repoPath, timeUntil, type CheckResult } from "./check";

/** How long a read may lag a write before the check gives up (the client's own read-back waits up to 60 s). */
const MAX_LAG_MS = 30_000;

export async function scratchTokenChecks(
  client: CloudsmithClient,
  r: { owner: string; repo: string },
  sleep: (ms: number) => Promise<void>,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [await fieldErrorCheck(client, r)];
  const name = `reposmith-doctor-${randomBytes(4).toString("hex")}`;
  const base = repoPath(r, "entitlements");
  let slugPerm: string | undefined;
  try {
    const created = await client.probe({
      operation: "entitlements_create",
      method: "POST",
      path: base,
      body: { name, metadata: { "managed-by": "reposmith-doctor" } },
    });
    slugPerm = (created.data as { slug_perm?: string } | undefined)?.slug_perm;
    if (created.status !== 201 || !slugPerm)
      return [
        ...results,
        failed(
          "cloudsmith.token-read-after-create",
          `creating scratch token ${name} in ${r.owner}/${r.repo} answered ${created.status}`,
        ),
      ];
    const item = `${base}${encodeURIComponent(slugPerm)}/`;
    const read = () => client.probe({ operation: "entitlements_read", method: "GET", path: item });
    results.push(
      await lagCheck(
        "cloudsmith.token-read-after-create",
        "a new token",
        read,
        (res) => res.status === 200,
        "tokenReadLagMs",
        sleep,
      ),
    );
    await client.entitlements.disable(r.owner, r.repo, slugPerm);
    results.push(
      await lagCheck(
        "cloudsmith.is-active-after-disable",
        "is_active false after disable",
        read,
        (res) => res.status === 200 && (res.data as { is_active?: boolean }).is_active === false,
        "isActiveLagMs",
        sleep,
      ),
    );
    await client.entitlements.delete(r.owner, r.repo, slugPerm);
    const gone = await timeUntil(read, (res) => res.status === 404, MAX_LAG_MS, sleep);
    slugPerm = undefined;
    results.push(
      gone === undefined
        ? differs("cloudsmith.token-delete", `the deleted scratch token still read back after ${MAX_LAG_MS / 1000} s`)
        : ok(
            "cloudsmith.token-delete",
            `the scratch token was deleted and read 404 ${gone ? `after ${gone} ms` : "at once"}`,
          ),
    );
  } catch (e) {
    results.push(failed("cloudsmith.token-read-after-create", `scratch token ${name}: ${messageOf(e)}`));
  } finally {
    if (slugPerm) {
      try {
        await client.entitlements.delete(r.owner, r.repo, slugPerm);
      } catch (e) {
        results.push(
          failed(
            "cloudsmith.token-delete",
            `could not delete scratch token ${name} (${slugPerm}): ${messageOf(e)}; delete it by hand: cloudsmith entitlements delete ${r.owner}/${r.repo} ${slugPerm}`,
          ),
        );
      }
    }
  }
  return results;
}

/**
 * A create with an empty name, which the spec's minLength forbids: Cloudsmith's status page and
 * observed bodies say 422 {detail, fields}; the spec also lists a 400 ErrorDetail.
 */
async function fieldErrorCheck(client: CloudsmithClient, r: { owner: string; repo: string }): Promise<CheckResult> {
  const id = "cloudsmith.field-errors";
  const res = await client.probe({
    operation: "entitlements_create",
    method: "POST",
    path: repoPath(r, "entitlements"),
    body: { name: "" },
  });
  const body = (res.data ?? {}) as { detail?: unknown; code?: unknown; fields?: Record<string, unknown> };
  if (res.status === 201) {
    const slug = (res.data as { slug_perm?: string }).slug_perm;
    if (slug) await client.entitlements.delete(r.owner, r.repo, slug).catch(() => undefined);
    return failed(id, "the API created a token with an empty name (deleted again): no field error to look at");
  }
  const fields = body.fields && typeof body.fields === "object" ? body.fields : undefined;
  const shape = [
    typeof body.detail === "string" ? "detail" : undefined,
    body.code !== undefined ? "code" : undefined,
    fields ? `fields{${Object.keys(fields).join(",")}}` : undefined,
  ].filter(Boolean);
  const loose =
    fields && Object.values(fields).some((v) => !Array.isArray(v))
      ? "; field messages are objects (the looser observed shape, which the client reads too)"
      : "";
  const seen = `an empty name answered ${res.status} {${shape.join(", ")}}${loose}`;
  if (res.status === 422 && fields?.name !== undefined) return ok(id, seen);
  if (res.status === 400 && fields?.name !== undefined)
    return differs(id, seen, { api: "cloudsmith", setting: "fieldErrorStatus", value: 400 });
  return differs(id, `${seen}: not the documented ErrorDetail naming the field`);
}

async function lagCheck<T>(
  id: string,
  what: string,
  read: () => Promise<T>,
  visible: (v: T) => boolean,
  setting: string,
  sleep: (ms: number) => Promise<void>,
): Promise<CheckResult> {
  const first = await read();
  if (visible(first)) return ok(id, `${what} read back at once`);
  const ms = await timeUntil(read, visible, MAX_LAG_MS, sleep);
  if (ms === undefined) return failed(id, `${what} did not read back within ${MAX_LAG_MS / 1000} s`);
  return differs(id, `${what} read back only after about ${ms} ms (the client waits for it)`, {
    api: "cloudsmith",
    setting,
    value: Math.ceil(ms / 100) * 100,
  });
}
