import { orderBlockedCreates } from "../../../src/engine/passes";
import type { ResourcePlan } from "../../../src/engine/plan-types";
import { TOKEN, deepFreeze, entry, rp } from "./fixtures";

const blockedBy = { id: "acme.prod.T1", what: 'a token named "ci" in acme/prod' };
const create = rp("app/new", TOKEN, "create", { blockedBy });
const FIRST =
  'a token named "ci" in acme/prod is deleted first (app/old, removed from the app); if this is a rename, keep it and its secret instead: reposmith state mv app/old app/new';

const cases: { reason: string; input: ResourcePlan[]; want: ResourcePlan[] }[] = [
  {
    reason: "a create blocked by a token this plan deletes waits for that deletion, and says how to keep it instead",
    input: [create, rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.T1") })],
    want: [
      { ...create, afterRemovalOf: ["app/old"], notice: FIRST },
      rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.T1") }),
    ],
  },
  {
    reason: "a deletion known only by observation (destroy of an adopted object) frees it too",
    input: [create, rp("app/old", TOKEN, "delete", { observed: { id: "acme.prod.T1", fields: {} } })],
    want: [
      { ...create, afterRemovalOf: ["app/old"], notice: FIRST },
      rp("app/old", TOKEN, "delete", { observed: { id: "acme.prod.T1", fields: {} } }),
    ],
  },
  {
    reason: "a blocker nothing in this stack deletes is left for acrossStacks to explain",
    input: [create, rp("app/old", TOKEN, "noop", { state: entry(TOKEN, "acme.prod.T1") })],
    want: [create, rp("app/old", TOKEN, "noop", { state: entry(TOKEN, "acme.prod.T1") })],
  },
  {
    reason: "an existing notice is kept before the ordering",
    input: [{ ...create, notice: "first" }, rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.T1") })],
    want: [
      { ...create, afterRemovalOf: ["app/old"], notice: `first; ${FIRST}` },
      rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.T1") }),
    ],
  },
];

describe("orderBlockedCreates", () => {
  it.each(cases)("$reason", ({ input, want }) => {
    expect(orderBlockedCreates(deepFreeze(input))).toEqual(want);
  });
});
