/** PackageCopy's diff, case by case: a copy is up to date when it is fully synchronised and has the source's content. */
import {
  PackageCopySpecSchema,
  packageCopyHandler as handler,
  type PackageCopyInput,
} from "../../src/resources/package-copy";
import type { FieldChange, Observed } from "../../src/resources/types";

const spec = (more: Partial<PackageCopyInput> = {}) =>
  PackageCopySpecSchema.parse({
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
    ...more,
  });

const SUM = "a".repeat(64);
const NEW_SUM = "b".repeat(64);

/** The copy in acme/prod; `adopted` when found there rather than made by this resource. */
function copy(fields: Record<string, unknown> = {}, adopted = false): Observed {
  return {
    id: "acme.prod.P1",
    adopted,
    fields: {
      slug_perm: "P1",
      format: "npm",
      name: "left-pad",
      version: "1.3.0",
      checksum_sha256: SUM,
      sync: "completed",
      source_slug_perm: "S1",
      source_checksum_sha256: SUM,
      ...fields,
    },
  };
}

const cases: {
  reason: string;
  spec: ReturnType<typeof spec>;
  observed: Observed;
  want?: FieldChange[];
  refused?: RegExp;
}[] = [
  { reason: "a synchronised copy with the source's checksum: no change", spec: spec(), observed: copy(), want: [] },
  {
    reason: "the source was re-uploaded: copied again, shown as an upstream change",
    spec: spec(),
    observed: copy({ source_checksum_sha256: NEW_SUM }),
    want: [{ path: "checksum_sha256", old: SUM, new: NEW_SUM, effect: "update", upstream: true }],
  },
  {
    reason: "the source is gone (no checksum to compare): the copy stays as it is",
    spec: spec(),
    observed: copy({ source_checksum_sha256: null }),
    want: [],
  },
  {
    reason: "a package of the same version that reposmith did not copy is refused without republish",
    spec: spec(),
    observed: copy({ source_checksum_sha256: NEW_SUM }, true),
    refused:
      /already has npm left-pad 1\.3\.0 with checksum aaaaaaaaaaaa…, not the source's bbbbbbbbbbbb…, and reposmith did not copy it there; set republish: true/,
  },
  {
    reason: "with republish, that package is overwritten",
    spec: spec({ republish: true }),
    observed: copy({ source_checksum_sha256: NEW_SUM }, true),
    want: [{ path: "checksum_sha256", old: SUM, new: NEW_SUM, effect: "update", upstream: true }],
  },
  {
    reason: "a copy still syncing (after a crash or a timeout) is waited on",
    spec: spec(),
    observed: copy({ sync: "syncing (45%)" }),
    want: [{ path: "sync", old: "syncing (45%)", new: "completed", effect: "update" }],
  },
  {
    reason: "a failed copy is resynced",
    spec: spec(),
    observed: copy({ sync: "failed: timed out" }),
    want: [{ path: "sync", old: "failed: timed out", new: "completed", effect: "update" }],
  },
  {
    reason: "a failure the API calls permanent is deleted and copied afresh",
    spec: spec(),
    observed: copy({ sync: "failed: the package should be deleted" }),
    want: [
      {
        path: "sync",
        old: "failed: the package should be deleted",
        new: "delete the failed copy and copy again",
        effect: "update",
      },
    ],
  },
];

describe("PackageCopy diff", () => {
  it.each(cases)("$reason", ({ spec: s, observed, want, refused }) => {
    const run = () => handler.diff("app/copy", s, observed);
    if (refused) expect(run).toThrow(refused);
    else expect(run()).toEqual(want);
  });
});
