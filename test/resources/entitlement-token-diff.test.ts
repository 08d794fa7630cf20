/** EntitlementToken's diff, case by case: what a plan shows for each difference between spec and token. */
import {
  EntitlementTokenSpecSchema,
  desiredFields,
  entitlementTokenHandler as handler,
  type EntitlementTokenInput,
} from "../../src/resources/entitlement-token";
import type { FieldChange, Observed } from "../../src/resources/types";

const KEY = "app/ci";
const spec = (more: Partial<EntitlementTokenInput> = {}) =>
  EntitlementTokenSpecSchema.parse({ owner: "acme", repository: "prod", name: "ci", ...more });

/** The token as the API would show it when it matches `s`, with `fields` changed out of band. */
function token(s = spec(), fields: Record<string, unknown> = {}, more: Partial<Observed> = {}): Observed {
  return {
    id: "acme.prod.T1",
    fields: { slug_perm: "T1", default: false, access_private_broadcasts: false, ...desiredFields(KEY, s), ...fields },
    ...more,
  };
}

const update = (path: string, old: unknown, now: unknown): FieldChange => ({ path, old, new: now, effect: "update" });

const cases: { reason: string; spec: ReturnType<typeof spec>; observed: Observed; want: FieldChange[] }[] = [
  { reason: "a token that matches: no change", spec: spec(), observed: token(), want: [] },
  {
    reason: "renamed out of band: the name is set back",
    spec: spec(),
    observed: token(spec(), { name: "other" }),
    want: [update("name", "other", "ci")],
  },
  {
    reason: "disabled out of band: enabled again",
    spec: spec(),
    observed: token(spec(), { is_active: false }),
    want: [update("is_active", false, true)],
  },
  {
    reason: "a limit the spec drops is cleared (declarative: unset means no limit)",
    spec: spec(),
    observed: token(spec(), { limit_num_downloads: 10 }),
    want: [update("limit_num_downloads", 10, null)],
  },
  {
    reason: "dates compare as instants: the API's microseconds are not a change",
    spec: spec({ limits: { dateRangeTo: "2027-01-31T00:00:00Z" } }),
    observed: token(spec({ limits: { dateRangeTo: "2027-01-31T00:00:00Z" } }), {
      limit_date_range_to: "2027-01-31T00:00:00.000000Z",
    }),
    want: [],
  },
  {
    reason: "dates compare as instants: the same instant written with an offset is not a change",
    spec: spec({ limits: { dateRangeFrom: "2027-01-31T00:00:00Z" } }),
    observed: token(spec(), { limit_date_range_from: "2027-01-31T01:00:00+01:00" }),
    want: [],
  },
  {
    reason: "an end date moved within the same day is a change (dates are instants, not days)",
    spec: spec({ limits: { dateRangeTo: "2027-01-31T00:00:00Z" } }),
    observed: token(spec(), { limit_date_range_to: "2027-01-31T18:30:00Z" }),
    want: [update("limit_date_range_to", "2027-01-31T18:30:00Z", "2027-01-31T00:00:00.000Z")],
  },
  {
    reason: "a start date moved by one second is a change",
    spec: spec({ limits: { dateRangeFrom: "2027-01-01T09:00:00Z" } }),
    observed: token(spec(), { limit_date_range_from: "2027-01-01T09:00:01Z" }),
    want: [update("limit_date_range_from", "2027-01-01T09:00:01Z", "2027-01-01T09:00:00.000Z")],
  },
  {
    reason: "a date range the token has but the spec dropped is cleared",
    spec: spec(),
    observed: token(spec(), { limit_date_range_to: "2027-01-31T00:00:00Z" }),
    want: [update("limit_date_range_to", "2027-01-31T00:00:00Z", null)],
  },
  {
    reason: "the bandwidth unit means nothing without an amount",
    spec: spec(),
    observed: token(spec(), { limit_bandwidth_unit: "Kilobyte" }),
    want: [],
  },
  {
    reason: 'a blank query reads back as null or "": no change',
    spec: spec(),
    observed: token(spec(), { limit_package_query: "" }),
    want: [],
  },
  {
    reason: "metadata compares by value, not by key order",
    spec: spec({ metadata: { a: 1, b: 2 } }),
    observed: token(spec(), { metadata: { key: KEY, b: 2, "managed-by": "reposmith", a: 1 } }),
    want: [],
  },
  {
    reason: "metadata without the reposmith tag gets it back",
    spec: spec(),
    observed: token(spec(), { metadata: {} }),
    want: [update("metadata", {}, { "managed-by": "reposmith", key: KEY })],
  },
  {
    reason: "ignoreChanges leaves a field alone",
    spec: spec({ ignoreChanges: ["name"] }),
    observed: token(spec(), { name: "other" }),
    want: [],
  },
  {
    reason: "private broadcasts are managed only when declared",
    spec: spec(),
    observed: token(spec(), { access_private_broadcasts: true }),
    want: [],
  },
  {
    reason: "declared private broadcasts are toggled",
    spec: spec({ privateBroadcasts: true }),
    observed: token(spec(), { access_private_broadcasts: false }),
    want: [update("access_private_broadcasts", false, true)],
  },
  {
    reason: "the default token's name is left alone",
    spec: EntitlementTokenSpecSchema.parse({ owner: "acme", repository: "prod", defaultToken: true }),
    observed: token(EntitlementTokenSpecSchema.parse({ owner: "acme", repository: "prod", defaultToken: true }), {
      name: "Default",
      default: true,
    }),
    want: [],
  },
  {
    reason: "a token in another repository than declared is replaced",
    spec: spec(),
    observed: token(spec(), {}, { id: "acme.dev.T1" }),
    want: [{ path: "repository", old: "acme/dev", new: "acme/prod", effect: "replace" }],
  },
  {
    reason: "a repository whose slug starts with the declared one is another repository",
    spec: spec(),
    observed: token(spec(), {}, { id: "acme.production.T1" }),
    want: [{ path: "repository", old: "acme/production", new: "acme/prod", effect: "replace" }],
  },
  {
    reason: "an owner whose slug starts with the declared one is another owner",
    spec: spec(),
    observed: token(spec(), {}, { id: "acmeco.prod.T1" }),
    want: [{ path: "repository", old: "acmeco/prod", new: "acme/prod", effect: "replace" }],
  },
  {
    reason: "a rotation due is a rotate change naming why, never the value",
    spec: spec(),
    observed: token(spec(), {}, { hints: { rotation: 'rotation trigger "v" changed' } }),
    want: [
      { path: "token", old: "(sensitive value)", new: '(new value: rotation trigger "v" changed)', effect: "rotate" },
    ],
  },
  {
    reason: "a reset due is a reset change",
    spec: spec(),
    observed: token(spec(), {}, { hints: { reset: 'reset trigger "r" changed' } }),
    want: [
      {
        path: "usage",
        old: "(downloads, clients, bandwidth)",
        new: '(zeroed: reset trigger "r" changed)',
        effect: "reset",
      },
    ],
  },
];

describe("EntitlementToken diff", () => {
  it.each(cases)("$reason", ({ spec: s, observed, want }) => {
    expect(handler.diff(KEY, s, observed)).toEqual(want);
  });
});
