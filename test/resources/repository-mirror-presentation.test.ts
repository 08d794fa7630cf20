/** What a plan says about a RepositoryMirror (presentation) and `reposmith import` of one: the words a user reads. */
import { ApiError } from "../../src/api/codearts";
import { RepositoryMirrorSpecSchema, repositoryMirrorHandler as handler } from "../../src/resources/repository-mirror";
import type { ConnectionRef, FieldChange, HandlerContext, ResourceState } from "../../src/resources/types";

const spec = (extra: Record<string, unknown> = {}) =>
  RepositoryMirrorSpecSchema.parse({ repositoryId: 7, sourceUrl: "https://git.example.com/a.git", ...extra });
const change = (path: string): FieldChange => ({ path, old: "a", new: "b", effect: "update" });
const trueMeansOn = { codearts: { mirroringEnabledReading: "true-means-on" } } as unknown as ConnectionRef;
const p = handler.presentation!;

describe("RepositoryMirror plan text", () => {
  it("says which value a scheduled-sync switch sends, under the reading in force", () => {
    expect(p.updateNotice!(spec(), [change("scheduled_sync")], undefined)).toBe(
      'switches scheduled sync on: sends mirroring_enabled=false (documented reading, the default: true = scheduled sync off; CodeArtsConnection mirroringEnabledReading: "true-means-on" reads it the other way)',
    );
    expect(p.updateNotice!(spec({ scheduledSync: false }), [change("scheduled_sync")], trueMeansOn)).toBe(
      'switches scheduled sync off: sends mirroring_enabled=false (against the update API\'s documentation, set by CodeArtsConnection mirroringEnabledReading: "true-means-on": true = scheduled sync on)',
    );
  });

  it("says a sync starts, and how long it is waited for, for every change a sync answers", () => {
    for (const path of [
      "url",
      "credentials",
      "endpoint_uuid",
      "force_fetch",
      "sync_triggers",
      "last_error",
      "last_successful_update_at",
    ])
      expect(p.updateNotice!(spec({ waitForSync: { timeout: "5m" } }), [change(path)], undefined)).toBe(
        "starts a synchronization of repository 7 and waits for it (up to 5m)",
      );
    expect(p.updateNotice!(spec(), [change("url"), change("scheduled_sync")], undefined)).toMatch(
      /^switches scheduled sync on: .*; starts a synchronization of repository 7 and waits for it \(up to 20m\)$/,
    );
    expect(p.updateNotice!(spec(), [change("sync_branch_type")], undefined)).toBeUndefined();
  });

  it("shows a create with its settings, credentials only by the names of their variables", () => {
    expect(p.createFields!("k", spec())).toEqual({
      repository_id: 7,
      url: "https://git.example.com/a.git",
      sync_branch_type: "all",
      scheduled_sync: true,
      force_fetch: false,
      wait_for_sync: "20m",
    });
    expect(
      p.createFields!(
        "k",
        spec({
          endpointUuid: "ep-1",
          credentials: { usernameEnv: "GIT_USER", passwordEnv: "GIT_PASSWORD" },
          syncTriggers: { release: "2" },
        }),
      ),
    ).toMatchObject({
      endpoint_uuid: "ep-1",
      credentials: { username: "$GIT_USER", password: "$GIT_PASSWORD" },
      sync_triggers: { release: "2" },
    });
  });

  it("says what destroy does (the API cannot delete a mirror), and how the mirror is found and named", () => {
    const state = { id: "7" } as ResourceState;
    expect(p.deleteNotice!(state, undefined)).toBe(
      'the CodeArts API cannot delete a mirror: reposmith switches scheduled sync off for repository 7 (sends mirroring_enabled=true (documented reading, the default: true = scheduled sync off; CodeArtsConnection mirroringEnabledReading: "true-means-on" reads it the other way)) and stops managing it; the mirror link remains',
    );
    expect(p.deleteNotice!(state, trueMeansOn)).toMatch(/sends mirroring_enabled=false/);
    expect(p.foundBy!(spec())).toBe("found by its repository id 7");
    expect(p.describe!(spec())).toBe("repository 7 <= https://git.example.com/a.git");
  });
});

describe("reposmith import of a RepositoryMirror", () => {
  const ctxWith = (client: Record<string, unknown>) =>
    ({ clients: { codearts: () => ({ envSecret: () => undefined, ...client }) } }) as unknown as HandlerContext;
  const mirror = {
    id: 1,
    repository_id: 7,
    url: "https://user:pw@git.example.com/a.git",
    mirroring_enabled: true,
    update_status: "finished",
    last_error: null,
  };
  const notFound = (operation: string, code: string) =>
    new ApiError({ operation, method: "GET", path: "/x", status: 404, code, detail: "Not Found" });

  it("imports an existing mirror as adopted, its URL credentials masked", async () => {
    const o = await handler.commands!.import!(ctxWith({ showMirror: async () => mirror }), "k", spec(), "7", undefined);
    expect(o).toMatchObject({
      id: "7",
      adopted: true,
      fields: { repository_id: 7, url: "https://***@git.example.com/a.git" },
    });
  });

  it("refuses an id that is not a repository id, a repository without a mirror, and one that is gone", async () => {
    await expect(handler.commands!.import!(ctxWith({}), "k", spec(), "abc", undefined)).rejects.toThrow(
      '"abc" is not a CodeArts repository id: expected a whole number such as 123',
    );
    await expect(handler.commands!.import!(ctxWith({}), "k", spec(), "0", undefined)).rejects.toThrow(/not a CodeArts/);
    const empty = ctxWith({ showMirror: async () => ({}), showRepository: async () => ({ id: 7 }) });
    await expect(handler.commands!.import!(empty, "k", spec(), "7", undefined)).rejects.toThrow(
      "CodeArts repository 7 has no remote mirror to import",
    );
    const gone = ctxWith({
      showMirror: async () => Promise.reject(notFound("ShowRemoteMirror", "CH.004404")),
      showRepository: async () => Promise.reject(notFound("ShowRepository", "CH.004404")),
    });
    await expect(handler.commands!.import!(gone, "k", spec(), "7", undefined)).rejects.toThrow(
      /CodeArts repository 7 does not exist \(deleted, or a wrong repositoryId\)/,
    );
  });
});
