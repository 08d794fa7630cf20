/**
 * Doctor checks that write, in a scratch repository the user names: a create the API must refuse
 * (how field errors are answered), then one scratch token created, read, listed, patched, disabled,
 * named twice and deleted (how soon reads and lists see each write, whether names are unique). The
 * token is never read with show_tokens. Every token the run made (or may have made: a create whose
 * answer was lost is looked for by its name) is deleted whatever happens; one that cannot be is
 * named on the cloudsmith.token-delete line with the cloudsmith-cli command that deletes it.
 */
import { randomBytes } from "node:crypto";
import type { CloudsmithClient } from "../../api/cloudsmith";
import { differs, failed, guard, messageOf, ok, repoPath, Results, timeUntil, type CheckResult } from "./check";

/** How long a read may lag a write before the check gives up (the client's own read-back waits up to 60 s). */
const MAX_LAG_MS = 30_000;
/** How long a token whose create answer was lost is looked for in the list (the list may lag). */
const FIND_LOST_MS = 5_000;

/** The scratch checks' ids, in the order lines are printed. */
export const SCRATCH_CHECKS = [
  "cloudsmith.field-errors",
  "cloudsmith.token-read-after-create",
  "cloudsmith.token-list-after-create",
  "cloudsmith.token-read-after-patch",
  "cloudsmith.is-active-after-disable",
  "cloudsmith.unique-token-names",
  "cloudsmith.token-delete",
];

type Repo = { owner: string; repo: string };

/**
 * cloudsmith-cli's form (`cloudsmith entitlements delete OWNER/REPO/IDENTIFIER`,
 * docs/api/cloudsmith.md#entitlement-actions).
 */
const deleteCommand = (r: Repo, slugPerm: string) => `cloudsmith entitlements delete ${r.owner}/${r.repo}/${slugPerm}`;

/** The scratch tokens a run made, until each is deleted. */
class ScratchTokens {
  /** slug_perm → name, of every token made and not deleted yet. */
  private readonly live = new Map<string, string>();
  /** Names whose create may have landed but whose token was not found. */
  private readonly lost = new Set<string>();

  constructor(
    private readonly client: CloudsmithClient,
    private readonly r: Repo,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * POSTs a token named `name`; its slug_perm, or undefined (with the status) when the API refused
   * it. A create whose answer was lost is looked for by its name (unless `name` is empty: the
   * refused create of the field-error check, which names nothing to look for).
   */
  async create(name: string): Promise<{ slugPerm?: string; status: number; body: unknown }> {
    let res;
    try {
      res = await this.client.probe({
        operation: "entitlements_create",
        method: "POST",
        path: repoPath(this.r, "entitlements"),
        body: { name, metadata: { "managed-by": "reposmith-doctor" } },
      });
    } catch (e) {
      // The answer was lost (a 5xx, a dropped connection): the token may exist all the same.
      const found = name ? await this.find(name) : undefined;
      if (name && !found) this.lost.add(name);
      const what = name ? `creating scratch token ${name}` : "a create with an empty name";
      throw new Error(
        `${what} failed: ${messageOf(e)}${found ? ` (it was made all the same as ${found}, and is deleted)` : ""}`,
      );
    }
    const slugPerm = (res.data as { slug_perm?: unknown } | undefined)?.slug_perm;
    if (res.status === 201 && typeof slugPerm === "string") {
      this.live.set(slugPerm, name);
      return { slugPerm, status: res.status, body: res.data };
    }
    if (name && res.status >= 200 && res.status < 300 && !(await this.find(name))) this.lost.add(name);
    return { status: res.status, body: res.data };
  }

  /** Looks for a token named `name` (the list may lag a create); records it for deletion. */
  private async find(name: string): Promise<string | undefined> {
    const started = Date.now();
    for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        const res = await this.client.probe({
          operation: "entitlements_list",
          method: "GET",
          path: repoPath(this.r, "entitlements"),
          query: { query: name, page_size: 500 },
        });
        const hit = (Array.isArray(res.data) ? res.data : []).find(
          (t: { name?: unknown; slug_perm?: unknown }) => t.name === name && typeof t.slug_perm === "string",
        ) as { slug_perm: string } | undefined;
        if (hit) {
          this.live.set(hit.slug_perm, name);
          return hit.slug_perm;
        }
      } catch {
        /* looked again below, until the time is up */
      }
      if (Date.now() - started >= FIND_LOST_MS) return undefined;
      await this.sleep(wait);
    }
  }

  /** DELETEs one token; it is forgotten once the API answered (204, or 404: already gone). */
  async delete(slugPerm: string): Promise<void> {
    await this.client.entitlements.delete(this.r.owner, this.r.repo, slugPerm).catch((e: unknown) => {
      if ((e as { status?: number }).status !== 404) throw e;
    });
    this.live.delete(slugPerm);
  }

  /** Deletes every token still live; what could not be deleted, each with the command that deletes it. */
  async cleanup(): Promise<string[]> {
    const left: string[] = [];
    for (const [slugPerm, name] of [...this.live]) {
      try {
        await this.delete(slugPerm);
      } catch (e) {
        left.push(
          `could not delete scratch token ${name} (${slugPerm}): ${messageOf(e)}; delete it with: ` +
            `${deleteCommand(this.r, slugPerm)}`,
        );
      }
    }
    for (const name of this.lost)
      left.push(
        `scratch token ${name} may have been made although its create failed, and was not found; look for it with: ` +
          `cloudsmith entitlements list ${this.r.owner}/${this.r.repo}, and delete it with: ` +
          `${deleteCommand(this.r, "IDENTIFIER")}`,
      );
    return left;
  }
}

export async function scratchTokenChecks(
  client: CloudsmithClient,
  r: Repo,
  sleep: (ms: number) => Promise<void>,
  out: Results,
): Promise<void> {
  const tokens = new ScratchTokens(client, r, sleep);
  try {
    out.add(await guard("cloudsmith.field-errors", () => fieldErrorCheck(tokens)));
    const name = `reposmith-doctor-${randomBytes(4).toString("hex")}`;
    let slugPerm: string | undefined;
    out.add(
      await guard("cloudsmith.token-read-after-create", async () => {
        const made = await tokens.create(name);
        if (!made.slugPerm)
          return failed(
            "cloudsmith.token-read-after-create",
            `creating scratch token ${name} in ${r.owner}/${r.repo} answered ${made.status}`,
          );
        slugPerm = made.slugPerm;
        return lagCheck(
          "cloudsmith.token-read-after-create",
          "a new token",
          read(client, r, slugPerm),
          (res) => res.status === 200,
          "tokenReadLagMs",
          sleep,
        );
      }),
    );
    if (!slugPerm) {
      out.skip(SCRATCH_CHECKS, "no scratch token: its create failed (see cloudsmith.token-read-after-create)");
      return;
    }
    const slug = slugPerm;
    const item = read(client, r, slug);
    out.add(
      await guard("cloudsmith.token-list-after-create", () =>
        lagCheck(
          "cloudsmith.token-list-after-create",
          "a new token in the list",
          () =>
            client.probe({
              operation: "entitlements_list",
              method: "GET",
              path: repoPath(r, "entitlements"),
              query: { query: name, page_size: 500 },
            }),
          (res) => Array.isArray(res.data) && res.data.some((t: { slug_perm?: unknown }) => t.slug_perm === slug),
          "listLagMs",
          sleep,
        ),
      ),
    );
    out.add(
      await guard("cloudsmith.token-read-after-patch", async () => {
        await client.probe({
          operation: "entitlements_partial_update",
          method: "PATCH",
          path: itemPath(r, slug),
          body: { limit_num_downloads: 7 },
        });
        return lagCheck(
          "cloudsmith.token-read-after-patch",
          "a PATCH",
          item,
          (res) => res.status === 200 && (res.data as { limit_num_downloads?: unknown }).limit_num_downloads === 7,
          "patchReadLagMs",
          sleep,
        );
      }),
    );
    out.add(
      await guard("cloudsmith.is-active-after-disable", async () => {
        await client.entitlements.disable(r.owner, r.repo, slug);
        return lagCheck(
          "cloudsmith.is-active-after-disable",
          "is_active false after disable",
          item,
          (res) => res.status === 200 && (res.data as { is_active?: unknown }).is_active === false,
          "isActiveLagMs",
          sleep,
        );
      }),
    );
    out.add(await guard("cloudsmith.unique-token-names", () => uniqueNamesCheck(tokens, name)));
    out.add(
      await guard("cloudsmith.token-delete", async () => {
        await tokens.delete(slug);
        const gone = await timeUntil(item, (res) => res.status === 404, MAX_LAG_MS, sleep);
        return gone === undefined
          ? differs("cloudsmith.token-delete", `the deleted scratch token still read back after ${MAX_LAG_MS / 1000} s`)
          : ok(
              "cloudsmith.token-delete",
              `the scratch token was deleted and read 404 ${gone ? `after ${gone} ms` : "at once"}`,
            );
      }),
    );
  } finally {
    // On every path: whatever the run made and did not delete yet.
    const left = await tokens.cleanup();
    if (left.length) out.add(failed("cloudsmith.token-delete", left.join("; ")));
  }
}

const itemPath = (r: Repo, slugPerm: string) => `${repoPath(r, "entitlements")}${encodeURIComponent(slugPerm)}/`;
const read = (client: CloudsmithClient, r: Repo, slugPerm: string) => () =>
  client.probe({ operation: "entitlements_read", method: "GET", path: itemPath(r, slugPerm) });

/**
 * A create with an empty name, which the spec's minLength forbids: Cloudsmith's status page and
 * observed bodies say 422 {detail, fields}; the spec also lists a 400 ErrorDetail.
 */
async function fieldErrorCheck(tokens: ScratchTokens): Promise<CheckResult> {
  const id = "cloudsmith.field-errors";
  const res = await tokens.create("");
  if (res.slugPerm) {
    await tokens.delete(res.slugPerm);
    return failed(id, "the API created a token with an empty name (deleted again): no field error to look at");
  }
  const body = (res.body ?? {}) as { detail?: unknown; code?: unknown; fields?: Record<string, unknown> };
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

/**
 * A second token with the scratch token's name: refused where names
 * are unique (cloudsmith-cli: "May not apply to older repositories").
 */
async function uniqueNamesCheck(tokens: ScratchTokens, name: string): Promise<CheckResult> {
  const id = "cloudsmith.unique-token-names";
  const res = await tokens.create(name);
  if (res.slugPerm) {
    await tokens.delete(res.slugPerm);
    return differs(
      id,
      `a second token named ${name} was made (deleted again): names are not unique in this repository`,
      {
        api: "cloudsmith",
        setting: "uniqueTokenNames",
        value: false,
      },
    );
  }
  const fields = (res.body as { fields?: Record<string, unknown> } | undefined)?.fields;
  return (res.status === 422 || res.status === 400) && fields?.name !== undefined
    ? ok(id, `a second token named ${name} answered ${res.status} on name: names are unique in this repository`)
    : differs(id, `a second token named ${name} answered ${res.status}, not a field error on name`);
}

async function lagCheck<T>(
  id: string,
  what: string,
  probe: () => Promise<T>,
  visible: (v: T) => boolean,
  setting: string,
  sleep: (ms: number) => Promise<void>,
): Promise<CheckResult> {
  const first = await probe();
  if (visible(first)) return ok(id, `${what} read back at once`);
  const ms = await timeUntil(probe, visible, MAX_LAG_MS, sleep);
  if (ms === undefined) return failed(id, `${what} did not read back within ${MAX_LAG_MS / 1000} s`);
  return differs(id, `${what} read back only after about ${ms} ms (the client waits for it)`, {
    api: "cloudsmith",
    setting,
    value: Math.ceil(ms / 100) * 100,
  });
}
