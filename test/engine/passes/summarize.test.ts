import { summarize } from "../../../src/engine/passes";
import type { Plan, StackPlan } from "../../../src/engine/plan-types";
import type { FieldChange } from "../../../src/resources/types";
import { COPY, MIRROR, TOKEN, deepFreeze, entry, prune, rp, stack } from "./fixtures";

const none = { add: 0, change: 0, destroy: 0, adopt: 0, rotate: 0, forget: 0 };
const field: FieldChange = { path: "name", old: "a", new: "b", effect: "update" };
const rotate: FieldChange = { path: "token", old: "(sensitive value)", new: "(new value)", effect: "rotate" };
const reset: FieldChange = { path: "usage", old: "(downloads)", new: "(zeroed)", effect: "reset" };

const cases: { reason: string; input: StackPlan[]; want: Plan["summary"] }[] = [
  { reason: "noops count nothing", input: [stack("app", [rp("app/a", TOKEN, "noop")])], want: none },
  {
    reason: "each action counts once, across stacks",
    input: [
      stack("app", [
        rp("app/a", TOKEN, "create"),
        rp("app/b", TOKEN, "update", { changes: [field] }),
        rp("app/c", TOKEN, "delete"),
      ]),
      stack("other", [rp("other/d", TOKEN, "adopt"), rp("other/e", TOKEN, "forget")]),
    ],
    want: { ...none, add: 1, change: 1, destroy: 1, adopt: 1, forget: 1 },
  },
  {
    reason: "a replacement adds one and destroys one",
    input: [stack("app", [rp("app/a", COPY, "replace")])],
    want: { ...none, add: 1, destroy: 1 },
  },
  {
    reason: "a rotation alone is no field change: counted on its own",
    input: [stack("app", [rp("app/a", TOKEN, "update", { changes: [rotate] })])],
    want: { ...none, rotate: 1 },
  },
  {
    reason: "a usage reset is a change",
    input: [stack("app", [rp("app/a", TOKEN, "update", { changes: [reset] })])],
    want: { ...none, change: 1 },
  },
  {
    reason: "a mirror's prunes are destroys, and prunes alone are no change",
    input: [
      stack("app", [
        rp("app/m", MIRROR, "update", { changes: [prune("acme.dev.P1"), prune("acme.dev.P2", "npm/b@1")] }),
      ]),
    ],
    want: { ...none, destroy: 2 },
  },
  {
    reason: "an object found and changed in one step is an adoption and a change",
    input: [
      stack("app", [
        rp("app/a", TOKEN, "update", { changes: [field], observed: { id: "x", fields: {}, adopted: true } }),
      ]),
    ],
    want: { ...none, change: 1, adopt: 1 },
  },
  {
    reason: "the leftover of an interrupted replacement is a destroy",
    input: [stack("app", [rp("app/a", COPY, "noop", { supersedes: entry(COPY, "acme.dev.OLD") })])],
    want: { ...none, destroy: 1 },
  },
];

describe("summarize", () => {
  it.each(cases)("$reason", ({ input, want }) => {
    const plan = summarize(deepFreeze(input));
    expect(plan.summary).toEqual(want);
    expect(plan.stacks).toEqual(input);
  });
});
