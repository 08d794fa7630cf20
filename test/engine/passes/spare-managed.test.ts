import { spareManaged } from "../../../src/engine/passes";
import type { ResourcePlan } from "../../../src/engine/plan-types";
import { COPY, MIRROR, deepFreeze, entry, prune, rp } from "./fixtures";

const copy = rp("app/copy", COPY, "noop", { state: entry(COPY, "acme.dev.P1") });
const sync = { path: 'packages["npm/b@1"]', old: "syncing (50%)", new: "wait", effect: "update" as const };

const cases: { reason: string; input: ResourcePlan[]; want: ResourcePlan[] }[] = [
  {
    reason: "a mirror's prune of a copy a PackageCopy manages is kept, and an update left with nothing is a noop",
    input: [copy, rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.P1")] })],
    want: [copy, rp("app/mirror", MIRROR, "noop", { changes: [], notice: "kept acme.dev.P1 (managed by app/copy)" })],
  },
  {
    reason: "a prune of a package nothing else manages stays",
    input: [copy, rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.P2")] })],
    want: [copy, rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.P2")] })],
  },
  {
    reason: "the resource's own object is not spared from itself",
    input: [rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.M")], state: entry(MIRROR, "acme.dev.M") })],
    want: [rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.M")], state: entry(MIRROR, "acme.dev.M") })],
  },
  {
    reason: "other changes go on: the update stays one, and the notice adds to what was said",
    input: [
      copy,
      rp("app/mirror", MIRROR, "update", { changes: [sync, prune("acme.dev.P1")], notice: "starts a sync" }),
    ],
    want: [
      copy,
      rp("app/mirror", MIRROR, "update", {
        changes: [sync],
        notice: "starts a sync; kept acme.dev.P1 (managed by app/copy)",
      }),
    ],
  },
  {
    reason: "an object found by observation (not state) counts as managed too",
    input: [
      rp("app/copy", COPY, "adopt", { observed: { id: "acme.dev.P1", fields: {} } }),
      rp("app/mirror", MIRROR, "update", { changes: [prune("acme.dev.P1")] }),
    ],
    want: [
      rp("app/copy", COPY, "adopt", { observed: { id: "acme.dev.P1", fields: {} } }),
      rp("app/mirror", MIRROR, "noop", { changes: [], notice: "kept acme.dev.P1 (managed by app/copy)" }),
    ],
  },
];

describe("spareManaged", () => {
  it.each(cases)("$reason", ({ input, want }) => {
    expect(spareManaged(deepFreeze(input))).toEqual(want);
  });
});
