import { Construct, type IConstruct } from "constructs";
import {
  ENTITLEMENT_SYNC_KIND,
  EntitlementSyncSpecSchema,
  type EntitlementSyncSpec,
} from "../resources/entitlement-sync";
import { claimOnce } from "./claims";
import { CloudsmithConnection } from "./connection";
import { EntitlementToken } from "./entitlement-token";
import type { LifecycleProps } from "../resources/lifecycle";
import { HookResource } from "./hook";
import { extractRefs, isPlaceholder, validateWithRefs } from "./references";

export interface EntitlementSyncProps extends LifecycleProps {
  /** Namespace slug owning both repositories. */
  readonly owner: string;
  /** Repository whose tokens are copied. */
  readonly source: string;
  /** Repository whose tokens are replaced by copies of the source's. */
  readonly target: string;
  /**
   * Must be `true`: a sync DELETES every token of the target repository (including its default
   * token) and replaces them with copies of the source's, each with a new slug_perm.
   */
  readonly replaceTargetTokens: true;
  /** @default - the nearest CloudsmithConnection above, else the environment */
  readonly connection?: CloudsmithConnection;
}

/** The syncs of one app (by its root), to find cycles among them at synth. */
const syncsOf = new WeakMap<IConstruct, EntitlementSync[]>();

/** `acme/prod -> acme/staging`. */
const arrow = (s: EntitlementSync) => `${s.spec.owner}/${s.spec.source} -> ${s.spec.owner}/${s.spec.target}`;

/** The syncs from `start` through `peers` back to `start`'s source (source -> target edges), if any. */
function findCycle(start: EntitlementSync, peers: EntitlementSync[]): EntitlementSync[] | undefined {
  const seen = new Set<EntitlementSync>();
  const walk = (path: EntitlementSync[]): EntitlementSync[] | undefined => {
    const last = path[path.length - 1];
    if (last.spec.target === start.spec.source) return path;
    for (const next of peers) {
      if (next.spec.source !== last.spec.target || seen.has(next)) continue;
      seen.add(next);
      const found = walk([...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk([start]);
}

/**
 * Keeps `target`'s entitlement tokens equal to `source`'s (Cloudsmith's entitlements sync). Plans
 * list which tokens the target gains and loses; a token added to the target by hand is drift.
 */
export class EntitlementSync extends Construct {
  readonly spec: EntitlementSyncSpec;
  readonly key: string;
  readonly hook: HookResource;
  /** The connection's API URL ("" = the environment's), for comparing syncs of one app. */
  private readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: EntitlementSyncProps) {
    super(scope, id);
    const { connection, driftPolicy, deletionPolicy, ...given } = props;
    const { value, refs } = extractRefs(this, ENTITLEMENT_SYNC_KIND, given, {
      replaceTargetTokens: "it is your acknowledgement that the target's tokens are deleted",
    });
    this.spec = validateWithRefs(this, ENTITLEMENT_SYNC_KIND, EntitlementSyncSpecSchema, value, refs);
    this.hook = new HookResource(
      this,
      ENTITLEMENT_SYNC_KIND,
      this.spec,
      (connection ?? CloudsmithConnection.of(this))?.ref,
      { driftPolicy, deletionPolicy },
      { identity: ["owner", "target"], refs },
    );
    this.key = this.hook.key;
    const apiUrl = (this.apiUrl = (connection ?? CloudsmithConnection.of(this))?.ref.apiUrl ?? "");
    // Repositories given as references are compared where their values are known: at apply.
    if ([this.spec.owner, this.spec.source, this.spec.target].some(isPlaceholder)) return;
    // Each sync wipes its target: two syncs into one target (from different sources) never agree.
    const target = `${this.spec.owner}/${this.spec.target}`;
    claimOnce(
      this,
      JSON.stringify([ENTITLEMENT_SYNC_KIND, apiUrl, this.spec.owner, this.spec.target]),
      (first) =>
        `EntitlementSyncs "${first.node.path}" (${arrow(first)}) and "${this.node.path}" (${arrow(this)}) both ` +
        `replace the tokens of ${target}: each sync deletes what the other copied, so they never agree; keep ` +
        `one EntitlementSync per target`,
    );
    // Syncs that lead back to where they started (prod -> staging and staging -> prod) overwrite each
    // other's source: reported once, by the cycle's first member in path order.
    const all = syncsOf.get(this.node.root) ?? [];
    syncsOf.set(this.node.root, all);
    all.push(this);
    this.node.addValidation({
      validate: () => {
        const cycle = findCycle(
          this,
          all.filter((s) => s.spec.owner === this.spec.owner && s.apiUrl === this.apiUrl),
        );
        if (!cycle || cycle.some((s) => s.node.path < this.node.path)) return [];
        const names = cycle.map((s) => `"${s.node.path}" (${arrow(s)})`);
        return [
          `EntitlementSyncs ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} form a cycle: each ` +
            `replaces the tokens another copies from, so they never settle; make the syncs flow one way (drop one ` +
            `of them)`,
        ];
      },
    });
    // Tokens declared in the target would be deleted by every sync and re-created by every apply.
    this.node.addValidation({
      validate: () =>
        this.node.root.node
          .findAll()
          .filter(
            (c): c is EntitlementToken =>
              c instanceof EntitlementToken &&
              c.spec.owner === this.spec.owner &&
              c.spec.repository === this.spec.target,
          )
          .map(
            (t) =>
              `EntitlementToken "${t.node.path}" is declared in ${this.spec.owner}/${this.spec.target}, which ` +
              `this EntitlementSync overwrites with ${this.spec.owner}/${this.spec.source}'s tokens; declare it ` +
              `in ${this.spec.source} instead`,
          ),
    });
  }
}
