/** EntitlementSync's diff, case by case: the target's token set against the source's, by name, less what the API's sync does not carry. */
import { EntitlementSyncSpecSchema, entitlementSyncHandler as handler } from "../../src/resources/entitlement-sync";
import type { FieldChange, Observed } from "../../src/resources/types";

const spec = EntitlementSyncSpecSchema.parse({
  owner: "acme",
  source: "prod",
  target: "dev",
  replaceTargetTokens: true,
});

/** Each set maps a token name to what is compared of it (entitlement-sync-fields.ts describes it). */
const sync = (source: Record<string, string>, target: Record<string, string>, notCarried: string[] = []): Observed => ({
  id: "acme.prod.dev",
  fields: { tokens: target, not_carried: notCarried },
  hints: { source },
});
const token = (name: string, old: unknown, now: unknown): FieldChange => ({
  path: `tokens["${name}"]`,
  old,
  new: now,
  effect: "update",
});

const cases: { reason: string; observed: Observed; want: FieldChange[] }[] = [
  { reason: "the target has the source's tokens: no change", observed: sync({ ci: "x" }, { ci: "x" }), want: [] },
  {
    reason: "a token of the source missing from the target is gained",
    observed: sync({ ci: "x" }, {}),
    want: [token("ci", null, "gained (copied from source)")],
  },
  {
    reason: "a token that differs is replaced by the source's copy",
    observed: sync({ ci: "x" }, { ci: "y" }),
    want: [token("ci", "differs from source", "replaced by the source's copy")],
  },
  {
    reason: "a token only the target has goes (a sync replaces the whole set)",
    observed: sync({}, { extra: "z" }),
    want: [token("extra", "present", null)],
  },
  {
    reason: "a token the API's sync does not copy is left out",
    observed: sync({ ci: "x" }, {}, ['tokens["ci"]']),
    want: [],
  },
  {
    reason: "source tokens first, by name, then the target's extras",
    observed: sync({ b: "1", a: "1" }, { z: "1", b: "2" }),
    want: [
      token("a", null, "gained (copied from source)"),
      token("b", "differs from source", "replaced by the source's copy"),
      token("z", "present", null),
    ],
  },
];

describe("EntitlementSync diff", () => {
  it.each(cases)("$reason", ({ observed, want }) => {
    expect(handler.diff("app/sync", spec, observed)).toEqual(want);
  });
});
