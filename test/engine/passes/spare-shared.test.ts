import { spareShared } from "../../../src/engine/passes";
import type { ResourcePlan } from "../../../src/engine/plan-types";
import { COPY, TOKEN, deepFreeze, entry, rp } from "./fixtures";

const removed = rp("app/old", COPY, "delete", { state: entry(COPY, "acme.dev.P1") });
const SAME = "not deleted: app/new manages the same object (acme.dev.P1); only this entry is removed from state";

const cases: { reason: string; input: ResourcePlan[]; want: ResourcePlan[] }[] = [
  {
    reason: "a removed copy whose package a declared copy also manages is only forgotten",
    input: [removed, rp("app/new", COPY, "noop", { observed: { id: "acme.dev.P1", fields: {} } })],
    want: [
      { ...removed, action: "forget", notice: SAME },
      rp("app/new", COPY, "noop", { observed: { id: "acme.dev.P1", fields: {} } }),
    ],
  },
  {
    reason: "a removed copy nothing else manages is deleted",
    input: [removed, rp("app/new", COPY, "noop", { observed: { id: "acme.dev.P2", fields: {} } })],
    want: [removed, rp("app/new", COPY, "noop", { observed: { id: "acme.dev.P2", fields: {} } })],
  },
  {
    reason: "an object of another kind with the same id is another object",
    input: [removed, rp("app/new", TOKEN, "noop", { state: entry(TOKEN, "acme.dev.P1") })],
    want: [removed, rp("app/new", TOKEN, "noop", { state: entry(TOKEN, "acme.dev.P1") })],
  },
  {
    reason: "a resource that is itself removed manages nothing to spare",
    input: [removed, rp("app/other", COPY, "forget", { state: entry(COPY, "acme.dev.P1") })],
    want: [removed, rp("app/other", COPY, "forget", { state: entry(COPY, "acme.dev.P1") })],
  },
];

describe("spareShared", () => {
  it.each(cases)("$reason", ({ input, want }) => {
    expect(spareShared(deepFreeze(input))).toEqual(want);
  });
});
