/**
 * EntitlementSync against a scripted API whose sync leaves out even a documented field, or a whole
 * token: reported once, remembered, and no sync loop.
 */
import { ServerError, type CloudsmithClient, type RepositoryToken } from "../../src/api/cloudsmith";
import { EntitlementSyncSpecSchema, entitlementSyncHandler as handler } from "../../src/resources/entitlement-sync";
import type { HandlerContext, ResourceState } from "../../src/resources/types";

/** Repositories of tokens, and a sync that copies each source token through `copy` (undefined: not copied). */
function scripted(
  repos: Record<string, RepositoryToken[]>,
  copy: (t: RepositoryToken) => RepositoryToken | undefined,
  fail?: { error: Error; landed: boolean },
) {
  let syncs = 0;
  const notices: string[] = [];
  const client = {
    baseUrl: "http://scripted",
    entitlements: {
      list: async (_owner: string, repo: string) => repos[repo].map((t) => ({ ...t })),
      sync: async (_owner: string, target: string, source: string) => {
        syncs++;
        if (fail && !fail.landed) throw fail.error;
        repos[target] = repos[source].flatMap((t) => copy(t) ?? []);
        if (fail) throw fail.error;
        return repos[target];
      },
    },
  } as unknown as CloudsmithClient;
  const memo = new Map<string, Promise<unknown>>();
  const ctx = {
    // A scripted API has no list lag: what a sync left is compared at once.
    listLagMs: 0,
    now: () => new Date(),
    sleep: async () => undefined,
    memo: (k: string, fn: () => Promise<unknown>) => (memo.has(k) ? memo.get(k) : (memo.set(k, fn()), memo.get(k))),
    invalidate: (prefix: string) => [...memo.keys()].filter((k) => k.startsWith(prefix)).forEach((k) => memo.delete(k)),
    clients: { cloudsmith: () => client },
    notice: (m: string) => notices.push(m),
  } as unknown as HandlerContext;
  return { ctx, notices, syncs: () => syncs, fresh: () => memo.clear() };
}

const spec = EntitlementSyncSpecSchema.parse({
  owner: "acme",
  source: "prod",
  target: "staging",
  replaceTargetTokens: true,
});
const token = (name: string, extra: Partial<RepositoryToken> = {}): RepositoryToken => ({
  name,
  slug_perm: `sp-${name}`,
  is_active: true,
  ...extra,
});

describe("EntitlementSync when the API's sync leaves something out", () => {
  it("a documented field the sync does not carry: reported once, then not compared, so no second sync", async () => {
    const s = scripted({ prod: [token("ci", { limit_num_downloads: 5 })], staging: [token("old")] }, (t) => ({
      ...t,
      limit_num_downloads: null,
    }));
    const observed = await handler.observe(s.ctx, "app/sync", spec, undefined);
    const changes = handler.diff("app/sync", spec, observed!);
    expect(changes.map((c) => c.path)).toEqual(['tokens["ci"]', 'tokens["old"]']);

    const after = await handler.update(s.ctx, "app/sync", spec, undefined, observed!, changes);
    expect(s.syncs()).toBe(1);
    expect(s.notices).toEqual([
      `app/sync: not carried by the API's sync from acme/prod to acme/staging: limit_num_downloads (token "ci"); not compared from now on, so it never causes another sync`,
    ]);
    expect(after.fields.not_carried).toEqual(["limit_num_downloads"]);

    // The next run (plan, drift, the controller) observes with that state: nothing to do.
    s.fresh();
    const state = { observed: after.fields } as unknown as ResourceState;
    const again = await handler.observe(s.ctx, "app/sync", spec, undefined, state);
    expect(handler.diff("app/sync", spec, again!)).toEqual([]);
  });

  it("a token the sync does not copy at all: reported once, then left out of the comparison", async () => {
    const s = scripted(
      { prod: [token("ci"), token("alice-user-token", { user: "alice" } as Partial<RepositoryToken>)], staging: [] },
      (t) => ((t as { user?: string }).user ? undefined : t),
    );
    const observed = await handler.observe(s.ctx, "app/sync", spec, undefined);
    const after = await handler.update(
      s.ctx,
      "app/sync",
      spec,
      undefined,
      observed!,
      handler.diff("app/sync", spec, observed!),
    );
    expect(s.notices[0]).toMatch(
      /not carried by the API's sync from acme\/prod to acme\/staging: tokens\["alice-user-token"\] \(missing from the target\)/,
    );
    s.fresh();
    const again = await handler.observe(s.ctx, "app/sync", spec, undefined, {
      observed: after.fields,
    } as unknown as ResourceState);
    expect(handler.diff("app/sync", spec, again!)).toEqual([]);
    // A second sync of ours (e.g. after a source token changed) says nothing new.
    await handler.update(s.ctx, "app/sync", spec, undefined, again!, []);
    expect(s.notices).toHaveLength(1);
  });
});

describe("EntitlementSync when the sync's answer is lost", () => {
  const lost = (ambiguous: boolean) =>
    new ServerError({
      operation: "entitlements_sync",
      method: "POST",
      path: "/entitlements/acme/staging/sync/",
      status: 502,
      ambiguous,
    });

  it("a sync that landed is not posted again: the target is read, and holds the source's tokens", async () => {
    const s = scripted({ prod: [token("ci"), token("deploy")], staging: [token("old")] }, (t) => t, {
      error: lost(true),
      landed: true,
    });
    const observed = await handler.observe(s.ctx, "app/sync", spec, undefined);
    const after = await handler.update(s.ctx, "app/sync", spec, undefined, observed!, []);
    expect(s.syncs()).toBe(1);
    expect(Object.keys(after.fields.tokens as object).sort()).toEqual(["ci", "deploy"]);
    expect(handler.diff("app/sync", spec, after)).toEqual([]);
  });

  it("a sync that did not land fails with its error, without a second sync", async () => {
    const error = lost(true);
    const s = scripted({ prod: [token("ci")], staging: [token("old")] }, (t) => t, { error, landed: false });
    const observed = await handler.observe(s.ctx, "app/sync", spec, undefined);
    await expect(handler.update(s.ctx, "app/sync", spec, undefined, observed!, [])).rejects.toBe(error);
    expect(s.syncs()).toBe(1);
  });

  it("an error that is not ambiguous is thrown as it is, even when the target happens to match", async () => {
    const error = lost(false);
    const s = scripted({ prod: [token("ci")], staging: [token("ci")] }, (t) => t, { error, landed: true });
    const observed = await handler.observe(s.ctx, "app/sync", spec, undefined);
    await expect(handler.update(s.ctx, "app/sync", spec, undefined, observed!, [])).rejects.toBe(error);
  });
});
