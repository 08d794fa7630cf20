/**
 * Row (a)'s baseline: a plan that reads each token on its own, one GET per token state knows, as
 * terraform-provider-cloudsmith's refresh does. It lives here, not in the engine: nothing but the
 * benchmark reads tokens this way.
 */
import { readDesired, RunContext, type RunOptions } from "../src/engine";
import {
  entitlementTokenHandler,
  ENTITLEMENT_TOKEN_KIND,
  type EntitlementTokenSpec,
} from "../src/resources/entitlement-token";
import { listedToken, parseTokenId, toObserved } from "../src/resources/entitlement-token-lookup";
import { settleAll } from "../src/util/pool";

/** Plans every declared token of `opts`' app by reading each one; returns how many differ from their declaration. */
export async function planGetEach(opts: RunOptions): Promise<{ changed: number }> {
  const ctx = new RunContext(opts);
  let changed = 0;
  for (const stack of readDesired(opts.outdir, opts.stacks)) {
    const state = await opts.store.read(stack.name);
    const tokens = stack.resources.filter((d) => d.kind === ENTITLEMENT_TOKEN_KIND);
    const results = await settleAll(tokens, opts.parallelism ?? 10, async (d) => {
      const spec = entitlementTokenHandler.spec.parse(d.spec) as EntitlementTokenSpec;
      const rs = state.resources[d.key];
      if (!rs) return 1;
      const { owner, repository, slugPerm } = parseTokenId(rs.id);
      const read = await ctx.clients.cloudsmith(d.connection).entitlements.read(owner, repository, slugPerm);
      const observed = toObserved(owner, repository, listedToken(read), rs.observed.rotated_at, false, rs.id);
      return entitlementTokenHandler.diff(d.key, spec, observed, rs).length ? 1 : 0;
    });
    for (const r of results) {
      if (r.status === "rejected") throw r.reason;
      changed += r.value;
    }
  }
  return { changed };
}
