import { acrossStacks, needsOtherStacks } from "../../../src/engine/passes";
import type { StackPlan } from "../../../src/engine/plan-types";
import type { ResourceState } from "../../../src/resources/types";
import { TOKEN, deepFreeze, entry, rp, stack } from "./fixtures";

const T1 = entry(TOKEN, "acme.prod.T1");
const blockedBy = { id: "acme.prod.T1", what: 'a token named "ci" in acme/prod' };
const removed = rp("app/ci", TOKEN, "delete", { state: T1 });
const adopted = rp("app/ci", TOKEN, "adopt", { observed: { id: "acme.prod.T1", fields: {} }, spec: {} });
const create = rp("app/ci", TOKEN, "create", { blockedBy, spec: {} });

const cases: { reason: string; input: StackPlan[]; held: Record<string, ResourceState>; want: StackPlan[] }[] = [
  {
    reason: "nothing deletes, adopts or collides: unchanged, whatever state holds",
    input: [stack("app", [rp("app/ci", TOKEN, "noop", { state: T1 })])],
    held: { "app/ci": T1, "other/ci": T1 },
    want: [stack("app", [rp("app/ci", TOKEN, "noop", { state: T1 })])],
  },
  {
    reason: "a delete whose object another stack's state holds is only forgotten",
    input: [stack("app", [removed])],
    held: { "app/ci": T1, "other/ci": T1 },
    want: [
      stack("app", [
        {
          ...removed,
          action: "forget",
          notice:
            'not deleted: other/ci (stack "other") manages the same object (acme.prod.T1); only this entry is removed from state',
        },
      ]),
    ],
  },
  {
    reason: "a delete whose object only its own stack holds goes ahead",
    input: [stack("app", [removed])],
    held: { "app/ci": T1, "app/other": T1 },
    want: [stack("app", [removed])],
  },
  {
    reason: "a delete whose object another stack also deletes in this plan goes ahead on both sides",
    input: [stack("app", [removed]), stack("other", [{ ...removed, stack: "other", key: "other/ci" }])],
    held: { "app/ci": T1, "other/ci": T1 },
    want: [stack("app", [removed]), stack("other", [{ ...removed, stack: "other", key: "other/ci" }])],
  },
  {
    reason: "an adoption of an object another stack holds says to move it with state mv",
    input: [stack("app", [adopted])],
    held: { "other/ci": T1 },
    want: [
      stack("app", [
        {
          ...adopted,
          notice:
            'state also holds acme.prod.T1 as other/ci: if it moved here, run "reposmith state mv other/ci app/ci" instead, so one key manages it',
        },
      ]),
    ],
  },
  {
    reason: "a create whose blocker another stack deletes in this plan waits for that deletion",
    input: [stack("app", [create]), stack("other", [rp("other/ci", TOKEN, "delete", { state: T1 })])],
    held: { "other/ci": T1 },
    want: [
      stack("app", [
        {
          ...create,
          afterRemovalOf: ["other/ci"],
          notice:
            'a token named "ci" in acme/prod is deleted first (other/ci, removed from stack "other"); if it moved here, keep it and its secret instead: reposmith state mv other/ci app/ci',
        },
      ]),
      stack("other", [rp("other/ci", TOKEN, "delete", { state: T1 })]),
    ],
  },
  {
    reason: "a create whose blocker a key holds will fail, and says to state mv it",
    input: [stack("app", [create])],
    held: { "other/ci": T1 },
    want: [
      stack("app", [
        {
          ...create,
          notice:
            'will fail: a token named "ci" in acme/prod is acme.prod.T1, which state holds as other/ci; if it moved here, keep it (and its secret): reposmith state mv other/ci app/ci',
        },
      ]),
    ],
  },
  {
    reason: "a create whose blocker nothing holds will fail, and says to import it",
    input: [stack("app", [create])],
    held: {},
    want: [
      stack("app", [
        {
          ...create,
          notice:
            'will fail: a token named "ci" in acme/prod already exists (acme.prod.T1) and is not managed by app/ci; take it over with: reposmith import app/ci acme.prod.T1, or choose another name',
        },
      ]),
    ],
  },
  {
    reason: "a create its own stack already ordered (afterRemovalOf) is left as it is",
    input: [stack("app", [{ ...create, afterRemovalOf: ["app/old"] }])],
    held: { "other/ci": T1 },
    want: [stack("app", [{ ...create, afterRemovalOf: ["app/old"] }])],
  },
];

describe("acrossStacks", () => {
  it.each(cases)("$reason", ({ input, held, want }) => {
    expect(acrossStacks(deepFreeze(input), deepFreeze(held))).toEqual(want);
  });

  it.each([
    {
      reason: "a noop needs no other stack's state",
      input: [stack("app", [rp("app/ci", TOKEN, "noop", { state: T1 })])],
      want: false,
    },
    { reason: "a delete does", input: [stack("app", [removed])], want: true },
    { reason: "an adoption does", input: [stack("app", [adopted])], want: true },
    { reason: "an unordered blocked create does", input: [stack("app", [create])], want: true },
    {
      reason: "an ordered blocked create does not",
      input: [stack("app", [{ ...create, afterRemovalOf: ["app/old"] }])],
      want: false,
    },
  ])("needsOtherStacks: $reason", ({ input, want }) => {
    expect(needsOtherStacks(input)).toBe(want);
  });
});
