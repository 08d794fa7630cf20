/** Telling "no mirror yet" from "repository gone" from "no such route" (a scripted client). */
import {
  ApiError,
  AuthError,
  NotFoundError,
  ServerError,
  type CodeArtsClient,
  type MirrorInfo,
} from "../../src/api/codearts";
import { lookupMirror, requireRepository } from "../../src/resources/repository-mirror-lookup";

const MIRROR: MirrorInfo = {
  id: 5,
  repository_id: 7,
  url: "https://git.example.com/a.git",
  mirroring_enabled: false,
  last_update_at: null,
  last_successful_update_at: null,
};
const err = (Cls: typeof ApiError, status: number, code?: string) =>
  new Cls({
    operation: "X",
    method: "GET",
    path: "/v4/repositories/7",
    subject: "CodeArts repository 7",
    status,
    code,
    detail: code,
  });
const notFound = (code?: string) => err(NotFoundError, 404, code);

/** A client whose two reads answer as scripted; records which were called. */
function client(show: MirrorInfo | Error, repo: "ok" | Error = "ok") {
  const calls: string[] = [];
  const c = {
    showMirror: async () => {
      calls.push("ShowRemoteMirror");
      if (show instanceof Error) throw show;
      return show;
    },
    showRepository: async () => {
      calls.push("ShowRepository");
      if (repo instanceof Error) throw repo;
      return { id: 7 };
    },
  };
  return { c: c as unknown as CodeArtsClient, calls };
}

const cases: { reason: string; show: MirrorInfo | Error; repo?: "ok" | Error; want: string; calls: string[] }[] = [
  { reason: "a mirror", show: MIRROR, want: "mirror", calls: ["ShowRemoteMirror"] },
  {
    reason: "a 200 with empty fields",
    show: { id: null, url: null, repository_id: 7, last_update_at: null, last_successful_update_at: null },
    want: "no-mirror (empty200)",
    calls: ["ShowRemoteMirror"],
  },
  {
    reason: "a 200 with an empty body",
    show: { last_update_at: undefined, last_successful_update_at: undefined },
    want: "no-mirror (empty200)",
    calls: ["ShowRemoteMirror"],
  },
  {
    reason: "a 404 CH.000404 while the repository is there",
    show: notFound("CH.000404"),
    want: "no-mirror (404)",
    calls: ["ShowRemoteMirror", "ShowRepository"],
  },
  {
    reason: "a 404 without a code while the repository is there",
    show: notFound(undefined),
    want: "no-mirror (404)",
    calls: ["ShowRemoteMirror", "ShowRepository"],
  },
  {
    reason: "a 404 CH.004404 while the repository read says so too",
    show: notFound("CH.004404"),
    repo: notFound("CH.004404"),
    want: "repository-gone",
    calls: ["ShowRemoteMirror", "ShowRepository"],
  },
  {
    reason: "a 404 CH.000404 while the repository read says CH.004404",
    show: notFound("CH.000404"),
    repo: notFound("CH.004404"),
    want: "repository-gone",
    calls: ["ShowRemoteMirror", "ShowRepository"],
  },
  {
    reason: "a 401 CH.080401 while the repository read is a 404 too (terraform's reading)",
    show: err(AuthError, 401, "CH.080401"),
    repo: notFound("CH.004404"),
    want: "repository-gone",
    calls: ["ShowRemoteMirror", "ShowRepository"],
  },
];

describe("lookupMirror", () => {
  it.each(cases)("$reason → $want", async ({ show, repo, want, calls }) => {
    const s = client(show, repo);
    const found = await lookupMirror(s.c, 7);
    expect(found.found === "no-mirror" ? `${found.found} (${found.answer})` : found.found).toBe(want);
    expect(s.calls).toEqual(calls);
  });

  const errors: { reason: string; show: Error; repo?: "ok" | Error; want: Partial<ApiError>; calls: string[] }[] = [
    {
      reason: "a gateway 404 (APIG.0101): the route is missing, not the mirror",
      show: notFound("APIG.0101"),
      want: { code: "APIG.0101" },
      calls: ["ShowRemoteMirror"],
    },
    {
      reason: "a gateway 404 with an APIGW code",
      show: notFound("APIGW.0101"),
      want: { code: "APIGW.0101" },
      calls: ["ShowRemoteMirror"],
    },
    {
      reason: "a 404 whose repository read meets a gateway 404",
      show: notFound("CH.000404"),
      repo: notFound("APIG.0101"),
      want: { code: "APIG.0101" },
      calls: ["ShowRemoteMirror", "ShowRepository"],
    },
    {
      reason: "a 404 whose repository read fails with a 500",
      show: notFound(undefined),
      repo: err(ServerError, 500, "CH.000001"),
      want: { status: 500 },
      calls: ["ShowRemoteMirror", "ShowRepository"],
    },
    {
      reason: "a 401 CH.080401 on a repository that is there (a permission problem)",
      show: err(AuthError, 401, "CH.080401"),
      want: { code: "CH.080401" },
      calls: ["ShowRemoteMirror", "ShowRepository"],
    },
    { reason: "a 500", show: err(ServerError, 500, "CH.000001"), want: { status: 500 }, calls: ["ShowRemoteMirror"] },
  ];
  it.each(errors)("$reason → error", async ({ show, repo, want, calls }) => {
    const s = client(show, repo);
    await expect(lookupMirror(s.c, 7)).rejects.toMatchObject(want);
    expect(s.calls).toEqual(calls);
  });
});

describe("requireRepository", () => {
  it("names the repository and what to do when CodeArts says it does not exist", async () => {
    const gone = Object.assign(notFound("CH.004404"), {
      message: "ShowRepository CodeArts repository 7: 404 CH.004404 Repository Not Found",
    });
    await expect(requireRepository(client(MIRROR, gone).c, 7)).rejects.toThrow(
      "ShowRepository CodeArts repository 7: 404 CH.004404 Repository Not Found: CodeArts repository 7 does not exist (deleted, or a wrong repositoryId), so it cannot mirror anything; set repositoryId to an existing repository, or remove the RepositoryMirror (reposmith then forgets it)",
    );
  });

  it("keeps other answers as they are (a permission problem is not a missing repository)", async () => {
    const denied = err(AuthError, 401, "CH.080401");
    await expect(requireRepository(client(MIRROR, denied).c, 7)).rejects.toBe(denied);
  });
});
