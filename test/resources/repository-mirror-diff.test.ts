/**
 * RepositoryMirror's diff through the handler, case by case: readable settings against the mirror,
 * write-only ones against the spec last applied (state), health by the last sync.
 * (repository-mirror.test.ts covers credentials, failed syncs and adoption in more depth.)
 */
import { RepositoryMirrorSpecSchema, repositoryMirrorHandler as handler } from "../../src/resources/repository-mirror";
import type { FieldChange, Observed, ResourceState } from "../../src/resources/types";

const URL_A = "https://git.example.com/a.git";
const URL_B = "https://git.example.com/b.git";
const spec = (more: Record<string, unknown> = {}) =>
  RepositoryMirrorSpecSchema.parse({ repositoryId: 7, sourceUrl: URL_A, ...more });
/** A synced mirror of repository 7 that matches spec(). */
const mirror = (fields: Record<string, unknown> = {}): Observed => ({
  id: "7",
  fields: {
    repository_id: 7,
    url: URL_A,
    scheduled_sync: true,
    endpoint_uuid: "",
    update_status: "finished",
    last_update_at: "2026-03-01T10:00:00Z",
    last_successful_update_at: "2026-03-01T10:00:00Z",
    number_of_failures: 0,
    last_error: null,
    ...fields,
  },
});
const applied = (s: unknown, id = "7"): ResourceState => ({
  kind: "RepositoryMirror",
  id,
  generation: "g",
  spec: s,
  observed: {},
  appliedAt: "",
});
const update = (path: string, old: unknown, now: unknown): FieldChange => ({ path, old, new: now, effect: "update" });

const cases: {
  reason: string;
  spec: ReturnType<typeof spec>;
  observed: Observed;
  state?: ResourceState;
  want: FieldChange[];
}[] = [
  {
    reason: "a mirror matching the spec applied: no change",
    spec: spec(),
    observed: mirror(),
    state: applied(spec()),
    want: [],
  },
  {
    reason: "the source URL changed out of band: set back",
    spec: spec(),
    observed: mirror({ url: URL_B }),
    state: applied(spec()),
    want: [update("url", URL_B, URL_A)],
  },
  {
    reason: "scheduled sync switched off out of band: switched on again",
    spec: spec(),
    observed: mirror({ scheduled_sync: false }),
    state: applied(spec()),
    want: [update("scheduled_sync", false, true)],
  },
  {
    reason: "a scheduled sync the API does not report is not compared",
    spec: spec(),
    observed: mirror({ scheduled_sync: null }),
    state: applied(spec()),
    want: [],
  },
  {
    reason: "an endpoint the spec does not name is not a change: the documented PUT cannot clear it (observe says so)",
    spec: spec(),
    observed: mirror({ endpoint_uuid: "ep-1" }),
    state: applied(spec()),
    want: [],
  },
  {
    reason: "an endpoint other than the one the spec names is set",
    spec: spec({ endpointUuid: "ep-2" }),
    observed: mirror({ endpoint_uuid: "ep-1" }),
    state: applied(spec({ endpointUuid: "ep-2" })),
    want: [update("endpoint_uuid", "ep-1", "ep-2")],
  },
  {
    reason: "force_fetch is write-only: compared with the spec applied",
    spec: spec({ forceFetch: true }),
    observed: mirror(),
    state: applied(spec()),
    want: [update("force_fetch", false, true)],
  },
  {
    reason: "the branch setting is write-only too",
    spec: spec({ syncBranchType: "default" }),
    observed: mirror(),
    state: applied(spec()),
    want: [update("sync_branch_type", "all", "default")],
  },
  {
    reason: "a changed sync trigger asks for a sync",
    spec: spec({ syncTriggers: { v: "2" } }),
    observed: mirror(),
    state: applied(spec({ syncTriggers: { v: "1" } })),
    want: [update("sync_triggers", { v: "1" }, { v: "2" })],
  },
  {
    reason: "another repository than the one state holds is a replacement",
    spec: spec({ repositoryId: 8 }),
    observed: mirror(),
    state: applied(spec(), "7"),
    want: [{ path: "repository_id", old: 7, new: 8, effect: "replace" }],
  },
  {
    reason: "found without state: the unreadable branch setting is written once",
    spec: spec(),
    observed: mirror(),
    want: [update("sync_branch_type", "(not readable)", "all")],
  },
];

describe("RepositoryMirror diff", () => {
  it.each(cases)("$reason", ({ spec: s, observed, state, want }) => {
    expect(handler.diff("app/mirror", s, observed, state)).toEqual(want);
  });
});
