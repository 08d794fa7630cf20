/** PackageMirror's diff, case by case: one change per package that needs something, named by what apply does to it. */
import {
  PackageMirrorSpecSchema,
  packageMirrorHandler as handler,
  type PackageMirrorInput,
} from "../../src/resources/package-mirror";
import type { FieldChange, Observed } from "../../src/resources/types";

const spec = (more: Partial<PackageMirrorInput> = {}) =>
  PackageMirrorSpecSchema.parse({
    source: { owner: "acme", repository: "staging" },
    destination: "prod",
    query: "format:npm",
    ...more,
  });

const SUM = "a".repeat(64);
const NEW_SUM = "b".repeat(64);
/** A package of the source and its copy in the destination (in sync unless changed). */
const entry = (more: Record<string, unknown> = {}) => ({
  format: "npm",
  name: "a",
  version: "1",
  source_slug_perm: "S1",
  source_checksum_sha256: SUM,
  slug_perm: "P1",
  checksum_sha256: SUM,
  sync: "completed",
  copied: true,
  ...more,
});
const mirror = (packages: Record<string, unknown>, extra: Record<string, string> = {}): Observed => ({
  id: "acme/staging->prod",
  fields: { packages, extra },
});
const change = (old: unknown, now: unknown, key = "npm/a@1"): FieldChange => ({
  path: `packages[${JSON.stringify(key)}]`,
  old,
  new: now,
  effect: "update",
});

const cases: { reason: string; spec: ReturnType<typeof spec>; observed: Observed; want: FieldChange[] }[] = [
  {
    reason: "every package copied and synchronised: no change",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry() }),
    want: [],
  },
  {
    reason: "a source package with no copy yet is copied",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ slug_perm: null, checksum_sha256: null, sync: null, copied: undefined }) }),
    want: [change(null, "copy")],
  },
  {
    reason: "a source re-uploaded since it was copied is republished",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ source_checksum_sha256: NEW_SUM }) }),
    want: [change("checksum aaaaaaaaaaaa…", "republish")],
  },
  {
    reason: "a copy still syncing is waited on",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ sync: "syncing (10%)" }) }),
    want: [change("syncing (10%)", "wait")],
  },
  {
    reason: "a failed copy is resynced",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ sync: "failed: timed out" }) }),
    want: [change("failed: timed out", "resync")],
  },
  {
    reason: "a failure the API calls permanent is deleted and copied again",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ sync: "failed: the package should be deleted" }) }),
    want: [change("failed: the package should be deleted", "delete and copy")],
  },
  {
    reason: "a package this mirror did not copy, with other content, is left alone without republish",
    spec: spec(),
    observed: mirror({ "npm/a@1": entry({ copied: undefined, checksum_sha256: NEW_SUM }) }),
    want: [],
  },
  {
    reason: "with republish, that package is overwritten, and the plan says it was not copied by this mirror",
    spec: spec({ republish: true }),
    observed: mirror({ "npm/a@1": entry({ copied: undefined, checksum_sha256: NEW_SUM }) }),
    want: [change("checksum bbbbbbbbbbbb… (not copied by this mirror)", "republish")],
  },
  {
    reason:
      "a copy whose source is gone (prune) is deleted, naming the object so another resource's copy can be spared",
    spec: spec({ prune: true }),
    observed: mirror({}, { "npm/old@1#P9": "P9" }),
    want: [{ path: 'packages["npm/old@1#P9"]', old: "present", new: null, effect: "delete", objectId: "acme.prod.P9" }],
  },
  {
    reason: "changes come in package order",
    spec: spec(),
    observed: mirror({
      "npm/b@1": entry({ name: "b", sync: "syncing (1%)" }),
      "npm/a@1": entry({ sync: "syncing (2%)" }),
    }),
    want: [change("syncing (2%)", "wait"), change("syncing (1%)", "wait", "npm/b@1")],
  },
];

describe("PackageMirror diff", () => {
  it.each(cases)("$reason", ({ spec: s, observed, want }) => {
    expect(handler.diff("app/mirror", s, observed)).toEqual(want);
  });
});
