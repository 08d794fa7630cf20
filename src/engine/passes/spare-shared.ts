import type { ResourcePlan } from "../plan-types";
import { sameObjectKept } from "../messages";

/**
 * Pass: a removed resource whose object another declared resource of the stack also manages (two
 * constructs that named one package two ways): deleting it would take it from under the other, so
 * it is only forgotten.
 */
export function spareShared(resources: readonly ResourcePlan[]): ResourcePlan[] {
  if (!resources.some((r) => r.action === "delete" && r.state)) return [...resources];
  const owners = new Map<string, string>();
  for (const r of resources) {
    if (r.action === "delete" || r.action === "forget") continue;
    for (const id of [r.state?.id, r.observed?.id]) if (id) owners.set(`${r.kind}\n${id}`, r.key);
  }
  return resources.map((r) => {
    if (r.action !== "delete" || !r.state) return r;
    const owner = owners.get(`${r.kind}\n${r.state.id}`);
    if (!owner || owner === r.key) return r;
    return { ...r, action: "forget", notice: sameObjectKept(owner, r.state.id) };
  });
}
