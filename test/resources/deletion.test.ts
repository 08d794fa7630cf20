/**
 * What each kind's delete does (ResourceHandler.deletion), which plans are built by: destroy leaves
 * an object state never recorded alone unless delete removes it, and a delete that leaves every
 * object as it is is planned as a forget. The notice only says so: it is there exactly when delete
 * does not remove the object.
 */
import { deleteForgets, deleteRemoves, presentationOf } from "../../src/resources/contract";
import { handlerFor } from "../../src/resources/registry";
import type { ResourceState } from "../../src/resources/types";

const state = (
  kind: string,
  spec: unknown,
  id = "acme.prod.X1",
  observed: Record<string, unknown> = {},
): ResourceState => ({ kind, id, generation: "g", spec, observed, appliedAt: "" });

const cases: { reason: string; state: ResourceState; removes: boolean; forgets: boolean }[] = [
  {
    reason: "a token is deleted",
    state: state("EntitlementToken", { owner: "acme", repository: "prod", name: "ci" }),
    removes: true,
    forgets: false,
  },
  {
    reason: "a repository's default token is never deleted: only forgotten",
    state: state("EntitlementToken", { owner: "acme", repository: "prod", defaultToken: true }),
    removes: false,
    forgets: true,
  },
  {
    reason: "a sync has no object of its own: forgotten",
    state: state("EntitlementSync", { owner: "acme", source: "prod", target: "dev" }, "acme.prod.dev"),
    removes: false,
    forgets: true,
  },
  { reason: "a package copy is deleted", state: state("PackageCopy", {}), removes: true, forgets: false },
  {
    reason: "a package mirror leaves its copies: forgotten",
    state: state("PackageMirror", {}, "acme/staging->prod", { destination: "acme/prod" }),
    removes: false,
    forgets: true,
  },
  {
    reason: "a CodeArts mirror cannot be deleted: it is switched off, which is neither",
    state: state("RepositoryMirror", { repositoryId: 7 }, "7"),
    removes: false,
    forgets: false,
  },
];

describe("deletion", () => {
  it.each(cases)("$reason", ({ state: s, removes, forgets }) => {
    const h = handlerFor(s.kind);
    expect({
      removes: deleteRemoves(h, s),
      forgets: deleteForgets(h, s),
      notice: presentationOf(h).deleteNotice(s) !== undefined,
    }).toEqual({ removes, forgets, notice: !removes });
  });
});
