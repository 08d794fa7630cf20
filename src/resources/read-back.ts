/**
 * Waiting, bounded, until a write reads back. Cloudsmith's reads can lag its writes:
 * terraform-provider-cloudsmith polls `entitlements_read` after a create until it stops answering
 * 404 (up to 1 min, every 2 s: `waitForCreation`, with an initial sleep "to avoid issues with
 * cross-region database replication", in
 * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/344b5c3694ad54ad2b0da8f1c55401df6ec37c21/cloudsmith/utils.go),
 * and polls `is_active` after an enable/disable (every 1 s, up to 15 s on create and 30 s on update:
 * `waitForEntitlementControlEnabledResource` in
 * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/447c051e02f9a0241502bab6659c416e0f722148/cloudsmith/resource_entitlement_control.go).
 * We read at once (an API that is consistent costs one GET), then back off from 250 ms to 2 s.
 */
import { isNotFound, type CloudsmithClient, type RepositoryToken } from "../api/cloudsmith";
import type { HandlerContext } from "./types";

/** How long a new token may take to read back (the provider's defaultCreationTimeout). */
export const CREATED_READ_BACK_MS = 60_000;
/** How long an enable/disable may take to show in `is_active` (the provider's update wait). */
export const ACTIVE_READ_BACK_MS = 30_000;
const FIRST_WAIT_MS = 250;
const MAX_WAIT_MS = 2_000;

/**
 * How long, by default, a write may take to show in lists (HandlerContext.listLagMs). Cloudsmith
 * documents no bound; terraform-provider-cloudsmith sleeps its 2 s creation interval before the
 * first read after a create "to avoid issues with cross-region database replication" (`waiter` and
 * `defaultCreationInterval`, utils.go above). 3 s is that with a margin; the emulator's listLagMs
 * setting reproduces a lagging list (docs/api/cloudsmith.md#eventual-consistency).
 */
export const LIST_LAG_MS = 3_000;

/** The list lag in force for this run. */
export const listLagOf = (ctx: Pick<HandlerContext, "listLagMs">): number => ctx.listLagMs ?? LIST_LAG_MS;

/**
 * Looks for what a write made until found or the list lag has passed (`look` reads the list afresh
 * each time): under list lag, absent from a list is not yet absent. Used before a write whose answer
 * was lost is sent again, so that it is never sent twice while the list still lags.
 */
export async function lookUntilListed<T>(
  ctx: HandlerContext,
  look: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const windowMs = listLagOf(ctx);
  const started = ctx.now().getTime();
  let wait = FIRST_WAIT_MS;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    const elapsed = ctx.now().getTime() - started;
    if (elapsed >= windowMs || (ctx.interrupted?.() ?? false)) return undefined;
    await ctx.sleep(Math.min(wait, windowMs - elapsed));
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}

/** A write that did not read back in time; `last` is what was read last (undefined: 404 throughout). */
export class ReadBackError<T> extends Error {
  constructor(
    message: string,
    readonly last: T | undefined,
  ) {
    super(message);
    this.name = "ReadBackError";
  }
}

/**
 * Reads until `done(value)`; `read` answers undefined for "not visible yet". Throws ReadBackError
 * (with `describe(last, seconds)` as its message) once `timeoutMs` has passed or the run is interrupted.
 */
async function readBack<T>(
  ctx: HandlerContext,
  o: {
    timeoutMs: number;
    read: () => Promise<T | undefined>;
    done: (value: T) => boolean;
    describe: (last: T | undefined, seconds: number) => string;
  },
): Promise<T> {
  const started = ctx.now().getTime();
  let wait = FIRST_WAIT_MS;
  for (;;) {
    const value = await o.read();
    if (value !== undefined && o.done(value)) return value;
    const elapsed = ctx.now().getTime() - started;
    const stopped = ctx.interrupted?.() ?? false;
    if (elapsed >= o.timeoutMs || stopped)
      throw new ReadBackError(
        `${stopped ? "interrupted: " : ""}${o.describe(value, Math.round(elapsed / 1000))}`,
        value,
      );
    await ctx.sleep(Math.min(wait, o.timeoutMs - elapsed));
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}

/** One token as `entitlements_read` shows it now; undefined while it answers 404. */
function readToken(
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
): Promise<RepositoryToken | undefined> {
  return client.entitlements
    .read(owner, repo, slugPerm)
    .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
}

/** Waits until a token just created reads back (before acting on it through its own routes). */
export function waitUntilReadable(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
  label: string,
): Promise<RepositoryToken> {
  return readBack(ctx, {
    timeoutMs: CREATED_READ_BACK_MS,
    read: () => readToken(client, owner, repo, slugPerm),
    done: () => true,
    describe: (_last, s) =>
      `${label} (${slugPerm}) was created but still answered 404 Not Found ${s}s later; it is recorded, and the ` +
      `next apply finishes it`,
  });
}

/** Waits until a token's `is_active` reads `want` after an enable/disable. */
export function waitForActive(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
  want: boolean,
): Promise<RepositoryToken> {
  return waitForField(ctx, client, owner, repo, slugPerm, "is_active", want, want ? "enable" : "disable");
}

/**
 * Waits until a token's `access_private_broadcasts` reads `want` after its toggle (an action with no
 * answer body, read back like an enable/disable, so state records the version it made).
 */
export function waitForPrivateBroadcasts(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
  want: boolean,
): Promise<RepositoryToken> {
  return waitForField(ctx, client, owner, repo, slugPerm, "access_private_broadcasts", want, "its toggle");
}

function waitForField(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
  field: "is_active" | "access_private_broadcasts",
  want: boolean,
  after: string,
): Promise<RepositoryToken> {
  return readBack(ctx, {
    timeoutMs: ACTIVE_READ_BACK_MS,
    read: () => readToken(client, owner, repo, slugPerm),
    done: (t) => t[field] === want,
    describe: (last, s) =>
      `${owner}/${repo}/${slugPerm}: ${field} still reads ${last ? String(last[field]) : "404 Not Found"} ${s}s ` +
      `after ${after}; ` +
      "state keeps what was read, and the next apply checks it again",
  });
}
