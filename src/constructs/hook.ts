import path from "node:path";
import { Construct, type IConstruct } from "constructs";
import { formatIssues } from "../resources/common";
import { LifecycleSchema, type Lifecycle, type LifecycleProps } from "../resources/lifecycle";
import { makePayload, type HookPayload } from "../resources/payload";
import type { ConnectionRef } from "../resources/types";
import type { z } from "zod";
import { cdkOf } from "./cdk";
import { ValidationError } from "./errors";
import { DEFAULT_HOOK_COMMAND } from "./hook-command";
import { hookClasses } from "./hook-resources";

/** `<stack>/<construct path inside the stack>`: the identity tag reposmith writes on remote objects. */
function resourceKey(scope: Construct): string {
  const stack = cdkOf(scope).TerraformStack.of(scope);
  const inStack = scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map((s) => s.node.id);
  return [stack.node.id, ...inStack].join("/");
}

/** Validates props-turned-spec with the kind's zod schema; throws a ValidationError naming path, field and value. */
export function validateSpec<S extends z.ZodType>(
  scope: Construct,
  kind: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(scope, kind, formatIssues(r.error, input));
  return r.data;
}

/** The nearest construct of class `cls` declared in `scope` or any scope above it (connections). */
export function nearest<T extends IConstruct>(
  scope: IConstruct,
  cls: abstract new (...args: never[]) => T,
): T | undefined {
  for (let s: IConstruct | undefined = scope; s; s = s.node.scope) {
    const found = s.node.children.find((c): c is T => c instanceof cls);
    if (found) return found;
  }
  return undefined;
}

/** Validates the lifecycle props every construct accepts (driftPolicy, deletionPolicy); see resources/lifecycle.ts. */
function validateLifecycle(scope: Construct, kind: string, props: LifecycleProps): Lifecycle | undefined {
  const input = { driftPolicy: props.driftPolicy, deletionPolicy: props.deletionPolicy };
  const lifecycle = validateSpec(scope, kind, LifecycleSchema, input);
  return lifecycle.driftPolicy || lifecycle.deletionPolicy ? lifecycle : undefined;
}

/** Context keys (per app or per stack, e.g. `new App({ context: { "reposmith:hookResource": "null_resource" } })`). */
const HOOK_RESOURCE_CONTEXT = "reposmith:hookResource";
const HOOK_COMMAND_CONTEXT = "reposmith:command";
type HookResourceType = "terraform_data" | "null_resource";

function hookSettings(scope: Construct): { type: HookResourceType; command: string; stateDefault: string } {
  const type = (scope.node.tryGetContext(HOOK_RESOURCE_CONTEXT) ?? "terraform_data") as HookResourceType;
  if (type !== "terraform_data" && type !== "null_resource") {
    throw new ValidationError(scope, "reposmith", [
      `context "${HOOK_RESOURCE_CONTEXT}" must be "terraform_data" or "null_resource" (got ${JSON.stringify(type)})`,
    ]);
  }
  const command = String(scope.node.tryGetContext(HOOK_COMMAND_CONTEXT) ?? DEFAULT_HOOK_COMMAND);
  // Terraform runs provisioners in the stack's directory: record where `reposmith apply` keeps
  // state (relative, so the output stays portable) so both paths share one state.
  const cdk = cdkOf(scope);
  const stack = cdk.TerraformStack.of(scope);
  const stackDir = path.join(cdk.App.of(scope).outdir, "stacks", stack.node.id);
  const stateDefault = "${path.module}/" + path.relative(path.resolve(stackDir), path.resolve(".reposmith/state"));
  return { type, command, stateDefault };
}

/**
 * A hook's Terraform resource, as reposmith uses it: a TerraformResource of cdktf or of cdktn (both
 * fit), named structurally so that the shipped declarations import neither library.
 */
export interface HookTerraformResource extends IConstruct {
  readonly terraformResourceType: string;
  readonly friendlyUniqueId: string;
  /** Lets the resource stand wherever the app's library takes a dependable (`dependsOn: [token.hook.resource]`). */
  readonly fqn: string;
  dependsOn?: string[];
  addOverride(path: string, value: unknown): void;
}

/** Terraform's `self` attribute holding the payload for each hook resource type. */
const SELF_ATTR: Record<HookResourceType, string> = { terraform_data: "input", null_resource: "triggers" };

function hookProvisioners(
  type: HookResourceType,
  command: string,
  stateDefault: string,
  ops: { create: string; destroy?: string },
) {
  const environment = {
    REPOSMITH_HOOK_INPUT: `\${jsonencode(self.${SELF_ATTR[type]})}`,
    REPOSMITH_STATE_DEFAULT: stateDefault,
  };
  const list: { type: "local-exec"; command: string; environment: Record<string, string>; when?: "destroy" }[] = [
    { type: "local-exec", command: `${command} hook ${ops.create}`, environment },
  ];
  if (ops.destroy)
    list.push({ type: "local-exec", command: `${command} hook ${ops.destroy}`, environment, when: "destroy" });
  return list;
}

/** Builds the hook resource of the chosen type; the payload is its input (or triggers) map. */
function makeHookResource(
  scope: Construct,
  payload: Record<string, string>,
  replaceOn: Record<string, string>,
  ops: { create: string; destroy?: string },
): HookTerraformResource {
  const { type, command, stateDefault } = hookSettings(scope);
  const provisioners = hookProvisioners(type, command, stateDefault, ops);
  const lifecycle = { createBeforeDestroy: true };
  const cdk = cdkOf(scope);
  const classes = hookClasses(cdk);
  if (type === "terraform_data")
    return new classes.terraformData(
      scope,
      "resource",
      { input: payload, triggersReplace: replaceOn },
      { lifecycle, provisioners },
    );
  const stack = cdk.TerraformStack.of(scope);
  if (!stack.node.tryFindChild("reposmith-null-provider")) new classes.nullProvider(stack, "reposmith-null-provider");
  // null_resource replaces on any trigger change: the whole payload is the trigger.
  return new classes.nullResource(scope, "resource", payload, { lifecycle, provisioners });
}

/**
 * The per-stack prune hook (docs/architecture.md#desired-state): a resource block removed from the configuration runs no
 * destroy provisioner, so this resource, whose input is the stack's set of keys, re-runs whenever
 * the set changes and deletes what the state holds that the set no longer names.
 */
class PruneHook extends Construct {
  static of(scope: Construct): PruneHook {
    const stack = cdkOf(scope).TerraformStack.of(scope);
    return (
      (stack.node.tryFindChild("reposmith-prune") as PruneHook | undefined) ?? new PruneHook(stack, "reposmith-prune")
    );
  }

  private readonly keys: string[] = [];
  readonly resource: HookTerraformResource;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const cdk = cdkOf(this);
    const keys = cdk.Lazy.stringValue({ produce: () => JSON.stringify([...this.keys].sort()) });
    const payload = { reposmith: "1", prune: "1", stack: cdk.TerraformStack.of(this).node.id, keys };
    this.resource = makeHookResource(this, payload, { keys }, { create: "prune" });
  }

  register(key: string, hook: HookTerraformResource): void {
    this.keys.push(key);
    // A plain address: Terraform accepts no "${...}" template in depends_on.
    this.resource.dependsOn = [
      ...(this.resource.dependsOn ?? []),
      `${hook.terraformResourceType}.${hook.friendlyUniqueId}`,
    ];
  }
}

/**
 * Adds the stack's prune hook for a construct that manages nothing itself (a connection), so that
 * removing the stack's last resource construct still prunes what it managed on the Terraform path.
 * Nothing for a scope outside any stack (a connection declared on the App).
 */
export function ensurePruneHook(scope: Construct): void {
  let inStack = true;
  try {
    cdkOf(scope).TerraformStack.of(scope);
  } catch {
    inStack = false;
  }
  if (inStack) PruneHook.of(scope);
}

/**
 * The hook resource each reposmith construct adds to its stack (docs/architecture.md#desired-state):
 * built-in `terraform_data` by default (no provider download), or `null_resource` when the
 * "reposmith:hookResource" context says so, carrying the payload strings. The generation forces a
 * re-run (create provisioner → `reposmith hook apply`) when the spec changes (the lifecycle, when
 * set, too); under
 * create_before_destroy the replaced generation's destroy provisioner does not run, so an edit
 * converges by PATCH; `terraform destroy` runs `reposmith hook delete`.
 */
export class HookResource extends Construct {
  /** `<stack>/<path>` of the construct that owns this hook: the identity tag of its remote object. */
  readonly key: string;
  readonly payload: HookPayload;
  readonly resource: HookTerraformResource;

  /** Added as `owner`'s child "hook"; validates the lifecycle props every construct accepts. */
  constructor(
    owner: Construct,
    kind: string,
    spec: unknown,
    connection: ConnectionRef | undefined,
    lifecycleProps: LifecycleProps,
  ) {
    super(owner, "hook");
    this.key = resourceKey(owner);
    const lifecycle = validateLifecycle(owner, kind, {
      driftPolicy: lifecycleProps.driftPolicy,
      deletionPolicy: lifecycleProps.deletionPolicy,
    });
    this.payload = makePayload(kind, this.key, spec, connection, lifecycle);
    // A lifecycle change (deletionPolicy) re-runs the hook too, so state records it while the
    // construct still exists: the prune hook has only state to go by once it is removed.
    const replaceOn = {
      generation: this.payload.generation,
      ...(this.payload.lifecycle ? { lifecycle: this.payload.lifecycle } : {}),
    };
    this.resource = makeHookResource(this, { ...this.payload }, replaceOn, { create: "apply", destroy: "delete" });
    PruneHook.of(this).register(this.key, this.resource);
  }

  /**
   * Adds HookPayload.after, resolved at synth: when the digest changes, Terraform replaces the hook
   * and its create provisioner runs `reposmith hook apply`, which then acts even if nothing shows.
   */
  runAgainWhen(digest: () => string): void {
    const after = cdkOf(this).Lazy.stringValue({ produce: digest });
    const { type } = hookSettings(this);
    this.resource.addOverride(`${SELF_ATTR[type]}.after`, after);
    if (type === "terraform_data") this.resource.addOverride("triggers_replace.after", after);
  }
}
