import { planDependents } from "../../../src/engine/passes";
import type { ResourcePlan } from "../../../src/engine/plan-types";
import { SYNC, TOKEN, deepFreeze, entry, ranAgain, rp, syncSpec, tokenSpec } from "./fixtures";

const token = (action: ResourcePlan["action"], repository = "prod", key = "app/ci") =>
  rp(key, TOKEN, action, { spec: tokenSpec(repository) });
const sync = (action: ResourcePlan["action"], source = "prod", target = "dev", key = "app/sync") =>
  rp(key, SYNC, action, { spec: syncSpec(source, target) });
const again = (r: ResourcePlan, after: string[], action: ResourcePlan["action"] = "update"): ResourcePlan => ({
  ...r,
  action,
  after,
  changes: [...r.changes, ranAgain(after.join(", "))],
});

const cases: { reason: string; input: ResourcePlan[]; want: ResourcePlan[] }[] = [
  {
    reason: "nothing changes: the sync stays a noop",
    input: [token("noop"), sync("noop")],
    want: [token("noop"), sync("noop")],
  },
  {
    reason: "a token of the sync's source is updated: the sync runs again after it",
    input: [token("update"), sync("noop")],
    want: [token("update"), again(sync("noop"), ["app/ci"])],
  },
  {
    reason: "a token of another repository changes: the sync is left alone",
    input: [token("update", "staging"), sync("noop")],
    want: [token("update", "staging"), sync("noop")],
  },
  {
    reason: "a removed token of the source (no spec, only state) is a change the sync follows",
    input: [
      rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.x", tokenSpec("prod", "old")) }),
      sync("noop"),
    ],
    want: [
      rp("app/old", TOKEN, "delete", { state: entry(TOKEN, "acme.prod.x", tokenSpec("prod", "old")) }),
      again(sync("noop"), ["app/old"]),
    ],
  },
  {
    reason: "an adopted token is no change to follow",
    input: [token("adopt"), sync("noop")],
    want: [token("adopt"), sync("noop")],
  },
  {
    reason: "a sync being created runs anyway: it is not planned again",
    input: [token("update"), sync("create")],
    want: [token("update"), sync("create")],
  },
  {
    reason: "an update of the sync itself keeps its action and gains the ordering",
    input: [token("update"), sync("update")],
    want: [token("update"), again(sync("update"), ["app/ci"])],
  },
  {
    reason: "a chain: prod -> staging runs again after the token, so staging -> dev runs again after that sync",
    input: [token("update"), sync("noop", "prod", "staging", "app/s1"), sync("noop", "staging", "dev", "app/s2")],
    want: [
      token("update"),
      again(sync("noop", "prod", "staging", "app/s1"), ["app/ci"]),
      again(sync("noop", "staging", "dev", "app/s2"), ["app/s1"]),
    ],
  },
];

describe("planDependents", () => {
  it.each(cases)("$reason", ({ input, want }) => {
    expect(planDependents(deepFreeze(input))).toEqual(want);
  });
});
