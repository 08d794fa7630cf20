import { refuseSharedIds } from "../../../src/engine/passes";
import { PlanError, type StackPlan } from "../../../src/engine/plan-types";
import { COPY, MIRROR, TOKEN, deepFreeze, entry, rp, stack } from "./fixtures";

const seen = (id: string) => ({ observed: { id, fields: {} }, spec: {} });
const BOTH =
  "app/b: app/b and app/a both manage PackageCopy acme.dev.P1: each would undo the other; keep one of the two constructs (removing the other only forgets it: the object stays, managed by the one kept)";

const cases: { reason: string; input: StackPlan[]; refused?: string }[] = [
  {
    reason: "two resources of one stack that found one object are refused, naming both",
    input: [
      stack("app", [rp("app/a", COPY, "noop", seen("acme.dev.P1")), rp("app/b", COPY, "create", seen("acme.dev.P1"))]),
    ],
    refused: BOTH,
  },
  {
    reason: "across stacks too",
    input: [
      stack("app", [rp("app/a", COPY, "noop", seen("acme.dev.P1"))]),
      stack("other", [rp("other/b", COPY, "noop", seen("acme.dev.P1"))]),
    ],
    refused: "other/b: other/b and app/a both manage PackageCopy acme.dev.P1",
  },
  {
    reason: "mirrors share ids by design (sharedId): two queries over one source and destination",
    input: [
      stack("app", [rp("app/a", MIRROR, "noop", seen("prod->dev")), rp("app/b", MIRROR, "noop", seen("prod->dev"))]),
    ],
  },
  {
    reason: "a resource being deleted does not count",
    input: [
      stack("app", [
        rp("app/a", COPY, "delete", { ...seen("acme.dev.P1"), state: entry(COPY, "acme.dev.P1") }),
        rp("app/b", COPY, "noop", seen("acme.dev.P1")),
      ]),
    ],
  },
  {
    reason: "a removed resource (no spec) does not count",
    input: [
      stack("app", [
        rp("app/a", COPY, "noop", { observed: { id: "acme.dev.P1", fields: {} } }),
        rp("app/b", COPY, "noop", seen("acme.dev.P1")),
      ]),
    ],
  },
  {
    reason: "one id in two kinds names two objects: they pass",
    input: [
      stack("app", [rp("app/a", COPY, "noop", seen("acme.dev.P1")), rp("app/b", TOKEN, "noop", seen("acme.dev.P1"))]),
    ],
  },
  {
    reason: "different objects pass as they are",
    input: [
      stack("app", [rp("app/a", COPY, "noop", seen("acme.dev.P1")), rp("app/b", COPY, "noop", seen("acme.dev.P2"))]),
    ],
  },
];

describe("refuseSharedIds", () => {
  it.each(cases)("$reason", ({ input, refused }) => {
    const run = () => refuseSharedIds(deepFreeze(input));
    if (refused) {
      expect(run).toThrow(PlanError);
      expect(run).toThrow(refused);
    } else {
      expect(run()).toEqual(input);
    }
  });
});
