import { z } from "zod";
import { canonicalJson } from "../util/canonical";

/**
 * How the GitOps controller treats one resource, whatever its kind (every construct carries it in
 * its hook payload, outside the spec: changing it changes no remote object and forces no re-run).
 * - driftPolicy: what to do when the remote object was changed or deleted outside reposmith
 *   (`correct` it, `report` it, or `ignore` it). Unset = the controller's `--drift-policy`.
 * - deletionPolicy: what happens to the remote object when the resource is removed from the
 *   configuration or destroyed (`retain`: forget it and leave the object; `delete`: delete it).
 *   Unset: the controller retains (an unattended loop should not delete on a bad pull), while
 *   `reposmith apply`/`destroy` and Terraform delete, as Terraform does.
 */
export const DRIFT_POLICIES = ["correct", "report", "ignore"] as const;
const DELETION_POLICIES = ["retain", "delete"] as const;
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const LifecycleSchema = z
  .object({
    driftPolicy: z
      .enum(DRIFT_POLICIES, {
        error: (i) => `driftPolicy must be one of "correct", "report", "ignore" (got ${JSON.stringify(i.input)})`,
      })
      .optional(),
    deletionPolicy: z
      .enum(DELETION_POLICIES, {
        error: (i) => `deletionPolicy must be "retain" or "delete" (got ${JSON.stringify(i.input)})`,
      })
      .optional(),
  })
  .strict();

export type Lifecycle = z.output<typeof LifecycleSchema>;

/** The props every reposmith construct accepts on top of its kind's own. */
export interface LifecycleProps {
  /** What the controller does about out-of-band changes. @default - the controller's --drift-policy */
  readonly driftPolicy?: DriftPolicy;
  /**
   * What happens to the remote object when the construct is removed from the app or destroyed:
   * "retain" forgets it and leaves it in place, "delete" deletes it.
   * @default - `reposmith reconcile` retains; `reposmith apply`/`destroy` and Terraform delete
   */
  readonly deletionPolicy?: DeletionPolicy;
}

/** The controller's default for a removed resource whose construct set no deletionPolicy. */
export const DEFAULT_DELETION_POLICY: DeletionPolicy = "retain";

/** Whether two lifecycles (a declaration's, a state entry's) say the same; unset is unset. */
export const sameLifecycle = (a: Lifecycle | undefined, b: Lifecycle | undefined): boolean =>
  canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Lifecycle from a payload string; undefined when absent or unreadable (an older payload). */
export function parseLifecycle(text: string | undefined): Lifecycle | undefined {
  if (!text) return undefined;
  try {
    const r = LifecycleSchema.safeParse(JSON.parse(text));
    return r.success && Object.keys(r.data).length ? r.data : undefined;
  } catch {
    return undefined;
  }
}
