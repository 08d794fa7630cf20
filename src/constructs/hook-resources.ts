/**
 * The Terraform resources a hook is made of (docs/cli.md, "Two ways to apply"): built-in `terraform_data`,
 * or hashicorp/null's `null_resource` and its provider, as classes of the app's own library.
 */
import type { TerraformMetaArguments, TerraformProvider, TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import type { Cdk } from "./cdk";

/**
 * The classes of the hook resources, made from one library's TerraformResource / TerraformProvider
 * (cdk.ts): an element of the other library's kind breaks the stack's synth.
 */
interface HookClasses {
  terraformData: new (
    scope: Construct,
    id: string,
    attrs: { input: Record<string, unknown>; triggersReplace: Record<string, unknown> },
    config: TerraformMetaArguments,
  ) => TerraformResource;
  nullResource: new (
    scope: Construct,
    id: string,
    triggers: Record<string, unknown>,
    config: TerraformMetaArguments,
  ) => TerraformResource;
  nullProvider: new (scope: Construct, id: string) => TerraformProvider;
}
const classesOf = new WeakMap<Cdk, HookClasses>();

export function hookClasses(cdk: Cdk): HookClasses {
  const known = classesOf.get(cdk);
  if (known) return known;
  /**
   * Terraform's built-in `terraform_data`, like cdktf's DataResource but without the validation that
   * DataResource adds to every instance: it runs `terraform version` in a subprocess per resource at
   * synth, which makes a large stack slow to synthesize (docs/performance.md).
   */
  class TerraformDataHook extends cdk.TerraformResource {
    static readonly tfResourceType = "terraform_data";
    constructor(
      scope: Construct,
      id: string,
      private readonly attrs: { input: Record<string, unknown>; triggersReplace: Record<string, unknown> },
      config: TerraformMetaArguments,
    ) {
      super(scope, id, {
        ...config,
        terraformResourceType: TerraformDataHook.tfResourceType,
        terraformGeneratorMetadata: { providerName: "terraform" },
      });
    }
    protected override synthesizeAttributes(): Record<string, unknown> {
      return { input: this.attrs.input, triggers_replace: this.attrs.triggersReplace };
    }
  }
  // hashicorp/null's `null_resource` and its provider, as the prebuilt @cdktf/provider-null 11
  // synthesizes them (https://github.com/cdktf/cdktf-provider-null/blob/main/src/resource/index.ts);
  // a prebuilt package is bound to one of the two libraries and would install cdktf beside cdktn.
  const generator = { providerName: "null", providerVersion: "3.2.4", providerVersionConstraint: "~> 3.0" };
  class NullResourceHook extends cdk.TerraformResource {
    static readonly tfResourceType = "null_resource";
    constructor(
      scope: Construct,
      id: string,
      private readonly triggers: Record<string, unknown>,
      config: TerraformMetaArguments,
    ) {
      super(scope, id, {
        ...config,
        terraformResourceType: NullResourceHook.tfResourceType,
        terraformGeneratorMetadata: generator,
      });
    }
    protected override synthesizeAttributes(): Record<string, unknown> {
      return { triggers: this.triggers };
    }
  }
  class NullProvider extends cdk.TerraformProvider {
    constructor(scope: Construct, id: string) {
      super(scope, id, {
        terraformResourceType: "null",
        terraformGeneratorMetadata: generator,
        terraformProviderSource: "null",
      });
    }
  }
  const classes = { terraformData: TerraformDataHook, nullResource: NullResourceHook, nullProvider: NullProvider };
  classesOf.set(cdk, classes);
  return classes;
}
