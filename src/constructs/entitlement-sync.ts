import { Lazy, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ENTITLEMENT_SYNC_KIND, EntitlementSyncSpecSchema, entitlementSyncHandler, type EntitlementSyncSpec } from "../resources/entitlement-sync";
import { ENTITLEMENT_TOKEN_KIND } from "../resources/entitlement-token";
import { CloudsmithConnection } from "./connection";
import { EntitlementToken } from "./entitlement-token";
import type { LifecycleProps } from "../resources/lifecycle";
import { HookResource, validateSpec } from "./hook";
import { sha256 } from "../util/canonical";

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

/**
 * Keeps `target`'s entitlement tokens equal to `source`'s (Cloudsmith's entitlements sync). Plans
 * list which tokens the target gains and loses; a token added to the target by hand is drift.
 */
export class EntitlementSync extends Construct {
  readonly spec: EntitlementSyncSpec;
  readonly key: string;
  readonly hook: HookResource;

  constructor(scope: Construct, id: string, props: EntitlementSyncProps) {
    super(scope, id);
    const { connection, driftPolicy, deletionPolicy, ...rest } = props;
    this.spec = validateSpec(this, ENTITLEMENT_SYNC_KIND, EntitlementSyncSpecSchema, rest);
    this.hook = new HookResource(this, ENTITLEMENT_SYNC_KIND, this.spec, (connection ?? CloudsmithConnection.of(this))?.ref, { driftPolicy, deletionPolicy });
    this.key = this.hook.key;
    // Under Terraform, the sync's hook runs after the hooks of the source's tokens in this stack
    // (reposmith apply orders it by phase instead), and again whenever one of them changes (a
    // rotation included: a new secret shows in no list, so the sync cannot notice it by looking).
    const sourceTokens = () =>
      TerraformStack.of(this)
        .node.findAll()
        .filter((c): c is EntitlementToken => c instanceof EntitlementToken && entitlementSyncHandler.dependsOn!(this.spec, { kind: ENTITLEMENT_TOKEN_KIND, spec: c.spec }));
    this.hook.resource.addOverride(
      "depends_on",
      Lazy.listValue({ produce: () => sourceTokens().map((t) => `${t.hook.resource.terraformResourceType}.${t.hook.resource.friendlyUniqueId}`) }),
    );
    this.hook.runAgainWhen(() => sha256(sourceTokens().map((t) => `${t.key}=${t.hook.payload.generation}`).sort().join("\n")));
    // Tokens declared in the target would be deleted by every sync and re-created by every apply.
    this.node.addValidation({
      validate: () =>
        this.node.root.node
          .findAll()
          .filter((c): c is EntitlementToken => c instanceof EntitlementToken && c.spec.owner === this.spec.owner && c.spec.repository === this.spec.target)
          .map(
            (t) =>
              `EntitlementToken "${t.node.path}" is declared in ${this.spec.owner}/${this.spec.target}, which this EntitlementSync overwrites with ${this.spec.owner}/${this.spec.source}'s tokens; declare it in ${this.spec.source} instead`,
          ),
    });
  }
}
