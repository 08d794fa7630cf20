/** The bounded read-back after token writes, against a scripted API on a virtual clock. */
import { NotFoundError, type CloudsmithClient } from "../../src/api/cloudsmith";
import {
  ACTIVE_READ_BACK_MS,
  CREATED_READ_BACK_MS,
  ReadBackError,
  waitForActive,
  waitUntilReadable,
} from "../../src/resources/read-back";
import type { HandlerContext } from "../../src/resources/types";

/** A token that answers 404 until `visibleAt` and whose is_active flips to `active` at `flipAt`. */
function scripted(o: { visibleAt?: number; flipAt?: number; active?: boolean }) {
  let now = 0;
  let reads = 0;
  const client = {
    entitlements: {
      read: async () => {
        reads++;
        if (now < (o.visibleAt ?? 0))
          throw new NotFoundError({
            operation: "entitlements_read",
            method: "GET",
            path: "/entitlements/acme/prod/abc/",
            status: 404,
            detail: "Not found.",
          });
        return {
          name: "ci",
          slug_perm: "abc",
          is_active: now >= (o.flipAt ?? Infinity) ? (o.active ?? false) : !(o.active ?? false),
        };
      },
    },
  } as unknown as CloudsmithClient;
  const ctx = { now: () => new Date(now), sleep: async (ms: number) => void (now += ms) } as unknown as HandlerContext;
  return { client, ctx, reads: () => reads, elapsed: () => now };
}

describe("read-back", () => {
  it("returns at once when the write is already visible: one read, no wait", async () => {
    const s = scripted({ flipAt: 0 });
    expect((await waitForActive(s.ctx, s.client, "acme", "prod", "abc", false)).is_active).toBe(false);
    expect(s.reads()).toBe(1);
    expect(s.elapsed()).toBe(0);
  });

  it("waits, backing off, until is_active reads what was asked", async () => {
    const s = scripted({ flipAt: 3_000 });
    expect((await waitForActive(s.ctx, s.client, "acme", "prod", "abc", false)).is_active).toBe(false);
    // 0, 250, 750, 1750, 3750: five reads.
    expect(s.reads()).toBe(5);
    expect(s.elapsed()).toBe(3_750);
  });

  it("gives up after ACTIVE_READ_BACK_MS with what it read last", async () => {
    const s = scripted({});
    const err = (await waitForActive(s.ctx, s.client, "acme", "prod", "abc", false).catch((e) => e)) as ReadBackError<{
      is_active: boolean;
    }>;
    expect(err).toBeInstanceOf(ReadBackError);
    expect(err.message).toBe(
      "acme/prod/abc: is_active still reads true 30s after disable; state keeps what was read, and the next apply checks it again",
    );
    expect(err.last?.is_active).toBe(true);
    expect(s.elapsed()).toBe(ACTIVE_READ_BACK_MS);
    expect(s.reads()).toBeLessThanOrEqual(20);
  });

  it("waits out 404s after a create, and gives up after CREATED_READ_BACK_MS saying the token is recorded", async () => {
    const soon = scripted({ visibleAt: 1_000 });
    await waitUntilReadable(soon.ctx, soon.client, "acme", "prod", "abc", 'acme/prod token "ci"');
    expect(soon.reads()).toBe(4); // 0, 250, 750, 1750
    const never = scripted({ visibleAt: Infinity });
    const err = (await waitUntilReadable(never.ctx, never.client, "acme", "prod", "abc", 'acme/prod token "ci"').catch(
      (e) => e,
    )) as Error;
    expect(err.message).toBe(
      'acme/prod token "ci" (abc) was created but still answered 404 Not Found 60s later; it is recorded, and the next apply finishes it',
    );
    expect(never.elapsed()).toBe(CREATED_READ_BACK_MS);
  });

  it("stops at once when the run is interrupted (Ctrl-C), saying so", async () => {
    const s = scripted({});
    const ctx = { ...s.ctx, interrupted: () => true } as HandlerContext;
    const err = (await waitForActive(ctx, s.client, "acme", "prod", "abc", false).catch((e) => e)) as Error;
    expect(err.message).toBe(
      "interrupted: acme/prod/abc: is_active still reads true 0s after disable; state keeps what was read, and the next apply checks it again",
    );
    expect(s.reads()).toBe(1);
    expect(s.elapsed()).toBe(0);
  });
});
