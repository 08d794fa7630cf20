import path from "node:path";
import { Construct, type IConstruct } from "constructs";
import { formatIssues } from "../resources/common";
import { LifecycleSchema, type Lifecycle, type LifecycleProps } from "../resources/lifecycle";
import { makePayload, refHash, REF_ENV_PREFIX, REF_PREFIX, type HookPayload } from "../resources/payload";
import type { ConnectionRef } from "../resources/types";
import { canonicalJson, generationOf, sha256 } from "../util/canonical";
import { escapeTemplate } from "../util/hcl-template";
import type { z } from "zod";
import { cdkOf } from "./cdk";
import { ValidationError } from "./errors";
import { DEFAULT_HOOK_COMMAND } from "./hook-command";
import { hookClasses } from "./hook-resources";
import { escapeStrings, isToken, refExpression, type PropRef } from "./references";

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
  const refs = (Object.keys(input) as (keyof typeof input)[]).filter((k) => isToken(scope, input[k]));
  if (refs.length)
    throw new ValidationError(
      scope,
      kind,
      refs.map(
        (k) =>
          `${k} cannot be a Terraform reference: state keeps it for when the construct is removed, ` +
          "which no Terraform value outlives; give it as a literal value",
      ),
    );
  const lifecycle = validateSpec(scope, kind, LifecycleSchema, input);
  return lifecycle.driftPolicy || lifecycle.deletionPolicy ? lifecycle : undefined;
}

/** Context keys (per app or per stack, e.g. `new App({ context: { "reposmith:hookResource": "null_resource" } })`). */
const HOOK_RESOURCE_CONTEXT = "reposmith:hookResource";
const HOOK_COMMAND_CONTEXT = "reposmith:command";
type HookResourceType = "terraform_data" | "null_resource";

interface HookSettings {
  type: HookResourceType;
  command: string;
  /** Where `reposmith apply` keeps state, relative to the stack's directory, which Terraform runs in. */
  stateDefault: string;
  /** Where the runner writes the ids of what it manages: a Terraform state file, read by terraform_remote_state. */
  outputsFile: string;
  /** Where the records' destroy provisioners spool their keys. */
  spool: string;
  /** Rewritten by a drain that deleted something: read at plan by the runner's triggers, so the next apply runs it. */
  destroyedFile: string;
}

function hookSettings(scope: Construct): HookSettings {
  const type = (scope.node.tryGetContext(HOOK_RESOURCE_CONTEXT) ?? "terraform_data") as HookResourceType;
  if (type !== "terraform_data" && type !== "null_resource") {
    throw new ValidationError(scope, "reposmith", [
      `context "${HOOK_RESOURCE_CONTEXT}" must be "terraform_data" or "null_resource" (got ${JSON.stringify(type)})`,
    ]);
  }
  const command = String(scope.node.tryGetContext(HOOK_COMMAND_CONTEXT) ?? DEFAULT_HOOK_COMMAND);
  // Relative paths keep the output portable; both paths of apply then share one state.
  const cdk = cdkOf(scope);
  const stack = cdk.TerraformStack.of(scope);
  const stackDir = path.resolve(path.join(cdk.App.of(scope).outdir, "stacks", stack.node.id));
  const fromStack = (p: string) => "${path.module}/" + escapeTemplate(path.relative(stackDir, path.resolve(p)));
  return {
    type,
    command,
    stateDefault: fromStack(".reposmith/state"),
    outputsFile: fromStack(path.join(".reposmith", "outputs", `${stack.node.id}.tfstate`)),
    spool: fromStack(path.join(".reposmith", "spool", stack.node.id)),
    destroyedFile: fromStack(path.join(".reposmith", "outputs", `${stack.node.id}.destroyed`)),
  };
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

type Provisioner = {
  type: "local-exec";
  command: string;
  environment: Record<string, unknown> | unknown;
  when?: "destroy";
};

/** A Terraform resource of the chosen type, carrying `input` (and, for terraform_data, `replaceOn`). */
function makeTerraformResource(
  scope: Construct,
  id: string,
  input: Record<string, unknown>,
  replaceOn: Record<string, unknown>,
  provisioners: Provisioner[],
  dependsOn?: string[],
): HookTerraformResource {
  const { type } = hookSettings(scope);
  const cdk = cdkOf(scope);
  const classes = hookClasses(cdk);
  const config = { lifecycle: { createBeforeDestroy: true }, provisioners } as never;
  let resource: HookTerraformResource;
  if (type === "terraform_data") {
    resource = new classes.terraformData(scope, id, { input, triggersReplace: replaceOn }, config);
  } else {
    const stack = cdk.TerraformStack.of(scope);
    if (!stack.node.tryFindChild("reposmith-null-provider")) new classes.nullProvider(stack, "reposmith-null-provider");
    // null_resource replaces on any trigger change: the whole payload is the trigger.
    resource = new classes.nullResource(scope, id, input, config);
  }
  // Plain addresses: Terraform accepts no "${...}" template in depends_on.
  if (dependsOn) resource.addOverride("depends_on", dependsOn);
  return resource;
}

const address = (r: HookTerraformResource) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;

/**
 * A record's destroy provisioner, in the shell Terraform runs local-exec with (`/bin/sh -c`), with
 * builtins only (a destroy of 1,000 records runs it 1,000 times): the record's key goes into the
 * stack's spool, and the first record to create the spool's lock file (`set -C`: no clobbering, an
 * exclusive create) runs `reposmith hook drain` in its place, which deletes what the spool names
 * until it stays empty. The other records return at once: one process, not one per record
 * (docs/architecture.md#the-terraform-path). A key file being written reads empty, and the drain
 * waits for it.
 */
const DRAIN_SCRIPT = (command: string) =>
  'd="$REPOSMITH_SPOOL"; [ -d "$d/keys" ] || mkdir -p "$d/keys" || exit 1; ' +
  'printf "%s" "$REPOSMITH_KEY" > "$d/keys/$REPOSMITH_ID" || exit 1; ' +
  `set -C; if { echo $$ > "$d/lock"; } 2>/dev/null; then exec ${command} hook drain; fi`;

/**
 * The runner's destroy provisioner: in a full destroy it comes after every record, whose drain left
 * the number of resources state still holds in the spool; when that is 0 and nothing is spooled,
 * there is nothing to delete and no process to start. Otherwise `reposmith hook destroy`.
 */
const RUNNER_DESTROY_SCRIPT = (command: string) =>
  'd="$REPOSMITH_SPOOL"; n=; [ -f "$d/remaining" ] && read -r n < "$d/remaining"; set -- "$d"/keys/*; ' +
  'if [ "$n" = 0 ] && [ ! -e "$1" ]; then ' +
  'rm -f "$d/remaining"; echo "reposmith: nothing left to delete"; exit 0; fi; ' +
  `exec ${command} hook destroy`;

/** One reference of one record: the placeholder id, and the token written into the payload. */
interface RecordRef {
  key: string;
  id: string;
  value: unknown;
}

/**
 * The stack's runner (docs/architecture.md#the-terraform-path): one `terraform_data.reposmith` per
 * stack whose create provisioner plans and applies the whole stack with the engine
 * (`reposmith hook run`), and whose destroy provisioner deletes what is left of it
 * (`reposmith hook destroy`). It is replaced whenever a record or a reference's value changes, and
 * every record depends on it, so Terraform applies it first and destroys it last.
 */
class StackRunner {
  private static readonly byStack = new WeakMap<IConstruct, StackRunner>();

  static of(scope: Construct): StackRunner {
    const stack = cdkOf(scope).TerraformStack.of(scope);
    let runner = StackRunner.byStack.get(stack);
    if (!runner) StackRunner.byStack.set(stack, (runner = new StackRunner(stack)));
    return runner;
  }

  readonly resource: HookTerraformResource;
  private readonly records: { key: string; input: Record<string, unknown> }[] = [];
  private readonly refs: RecordRef[] = [];
  private ids?: { get(output: string): unknown };
  /** The id tokens output() gave out: no record of this stack may refer to one (the runner would need itself). */
  private readonly given: string[] = [];

  private constructor(private readonly stack: Construct) {
    const cdk = cdkOf(stack);
    const settings = hookSettings(stack);
    const stackName = stack.node.id;
    // What the records say, as Terraform will read it: the runner checks it against the file it reads.
    const digest = cdk.Lazy.stringValue({
      produce: (ctx) => {
        const sorted = [...this.records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return sha256(canonicalJson(sorted.map((r) => ctx.resolve(r.input))));
      },
    });
    const refValues = cdk.Lazy.anyValue({
      produce: (ctx) => (this.refs.length ? cdk.Fn.jsonencode(this.refsByHash(ctx)) : undefined),
    });
    // A `terraform destroy -target` deletes through a drain, which rewrites this file: the next plan
    // then runs the runner again, which re-creates what the stack still declares.
    const destroyed = JSON.stringify(settings.destroyedFile);
    const input = {
      reposmith: "2",
      stack: escapeTemplate(stackName),
      digest,
      refs: refValues,
      destroyed: `\${fileexists(${destroyed}) ? file(${destroyed}) : ""}`,
    };
    const self = `\${jsonencode(self.${SELF_ATTR[settings.type]})}`;
    const common = {
      REPOSMITH_HOOK_INPUT: self,
      REPOSMITH_STATE_DEFAULT: settings.stateDefault,
      REPOSMITH_OUTPUTS: settings.outputsFile,
      REPOSMITH_SPOOL: settings.spool,
    };
    const runEnv = cdk.Lazy.anyValue({
      produce: (ctx) => {
        const env: Record<string, unknown> = { ...common, REPOSMITH_STACK_FILE: "${path.module}/cdk.tf.json" };
        for (const [hash, value] of Object.entries(this.refsByHash(ctx)))
          env[`${REF_ENV_PREFIX}${hash}`] = cdk.Fn.jsonencode(value);
        return env;
      },
    });
    this.resource = makeTerraformResource(stack, "reposmith", input, input, [
      { type: "local-exec", command: `${settings.command} hook run`, environment: runEnv },
      { type: "local-exec", command: RUNNER_DESTROY_SCRIPT(settings.command), environment: common, when: "destroy" },
    ]);
  }

  /** The references of every record by the hash of their expression as synthesized (the runner's lookup key). */
  private refsByHash(ctx: { resolve(x: unknown): unknown }): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.refs) out[refHash(ctx.resolve(r.value))] = r.value;
    return out;
  }

  add(key: string, input: Record<string, unknown>, refs: RecordRef[]): void {
    this.records.push({ key, input });
    this.refs.push(...refs);
  }

  /** Keeps the runner of a stack without records (a connection alone), so removing the last construct prunes. */
  static ensure(scope: Construct): void {
    let inStack = true;
    try {
      cdkOf(scope).TerraformStack.of(scope);
    } catch {
      inStack = false;
    }
    if (inStack) StackRunner.of(scope);
  }

  /** `ids[key].attr` of the file the runner writes: read at apply, after the runner (depends_on). */
  output(key: string, attr: string): string {
    const cdk = cdkOf(this.stack);
    if (!this.ids) {
      const { outputsFile } = hookSettings(this.stack);
      const ids = new cdk.DataTerraformRemoteStateLocal(this.stack, "reposmith-ids", {
        path: outputsFile,
        defaults: { ids: {} },
      });
      ids.addOverride("depends_on", [address(this.resource)]);
      ids.addOverride("lifecycle", {
        postcondition: [
          {
            condition: "${length(self.outputs.ids) > 0}",
            error_message:
              `reposmith's ids for stack "${escapeTemplate(this.stack.node.id)}" are missing from ${outputsFile}, ` +
              "which its runner writes at apply: write them again with " +
              `terraform apply -replace=${address(this.resource)}`,
          },
        ],
      });
      this.ids = ids;
    }
    if (/["\\]/.test(key))
      throw new Error(`reposmith: ${attr} cannot be read for "${key}": its construct path holds a quote or backslash`);
    const token = cdk.Token.asString(cdk.propertyAccess(this.ids.get("ids"), [key, attr]));
    this.given.push(token);
    return token;
  }

  /** The prop of `refs` that refers to an id this stack's runner gives out, if any. */
  selfReference(refs: readonly PropRef[]): PropRef | undefined {
    return refs.find((r) => typeof r.token === "string" && this.given.some((t) => (r.token as string).includes(t)));
  }
}

/**
 * Adds the stack's runner for a construct that manages nothing itself (a connection), so that
 * removing the stack's last resource construct still prunes what it managed on the Terraform path.
 * Nothing for a scope outside any stack (a connection declared on the App).
 */
export function ensureRunner(scope: Construct): void {
  StackRunner.ensure(scope);
}

/** The Terraform attributes that make a construct's identity (a change replaces its record), by prop path. */
function pick(spec: unknown, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paths) {
    const v = p.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as never)[k] : undefined), spec);
    if (v !== undefined) out[p] = v;
  }
  return out;
}

export interface HookOptions {
  /** Prop paths whose change replaces the remote object (shown by Terraform as a replacement). */
  readonly identity: readonly string[];
  /** The references among the props (placeholders in `spec`). */
  readonly refs?: readonly PropRef[];
}

/**
 * The Terraform resource each reposmith construct adds to its stack (docs/architecture.md#the-terraform-path):
 * a record carrying the construct's payload, built-in `terraform_data` by default (no provider
 * download; `null_resource` when the "reposmith:hookResource" context says so). An edit changes
 * its `input`, which Terraform shows as an in-place update; a change of identity changes
 * `triggers_replace`, a replacement. The stack's runner does the work; a record's own destroy
 * provisioner only hands its key to the runner's drain (so `terraform destroy -target` works).
 */
export class HookResource extends Construct {
  /** `<stack>/<path>` of the construct that owns this hook: the identity tag of its remote object. */
  readonly key: string;
  /** The payload as the construct made it (strings unescaped, references as placeholders). */
  readonly payload: HookPayload;
  readonly resource: HookTerraformResource;
  private readonly runner: StackRunner;

  /** Added as `owner`'s child "hook"; validates the lifecycle props every construct accepts. */
  constructor(
    owner: Construct,
    kind: string,
    spec: unknown,
    connection: ConnectionRef | undefined,
    lifecycleProps: LifecycleProps,
    options: HookOptions,
  ) {
    super(owner, "hook");
    this.key = resourceKey(owner);
    const lifecycle = validateLifecycle(owner, kind, {
      driftPolicy: lifecycleProps.driftPolicy,
      deletionPolicy: lifecycleProps.deletionPolicy,
    });
    const refs = options.refs ?? [];
    this.payload = { ...makePayload(kind, this.key, spec, connection, lifecycle), generation: generationOf(spec) };
    const { generation: _, ...written } = this.payload;
    const input: Record<string, unknown> = escapeStrings(written);
    for (const r of refs) input[`${REF_PREFIX}${r.id}`] = refExpression(r.token);
    const identity = pick(spec, options.identity);
    const identityRefs = refs.filter((r) => options.identity.some((p) => r.path === p || r.path.startsWith(`${p}.`)));
    const replaceOn: Record<string, unknown> = { identity: escapeTemplate(canonicalJson(identity)) };
    for (const r of identityRefs) replaceOn[`${REF_PREFIX}${r.id}`] = refExpression(r.token);

    const { command, stateDefault, spool, destroyedFile } = hookSettings(this);
    this.runner = StackRunner.of(this);
    const loop = this.runner.selfReference(refs);
    if (loop)
      throw new ValidationError(owner, kind, [
        `${loop.path} refers to an id of another reposmith construct of the same stack, which its runner gives out ` +
          "only after it ran (Terraform would refuse the cycle); declare the two constructs in different stacks",
      ]);
    const id = sha256(this.key).slice(0, 24);
    this.resource = makeTerraformResource(
      this,
      "resource",
      input,
      replaceOn,
      [
        {
          type: "local-exec",
          command: DRAIN_SCRIPT(command),
          environment: {
            REPOSMITH_SPOOL: spool,
            REPOSMITH_KEY: escapeTemplate(this.key),
            REPOSMITH_ID: id,
            REPOSMITH_STATE_DEFAULT: stateDefault,
            REPOSMITH_DESTROYED: destroyedFile,
          },
          when: "destroy",
        },
      ],
      [address(this.runner.resource)],
    );
    this.runner.add(
      this.key,
      input,
      refs.map((r) => ({ key: this.key, id: r.id, value: refExpression(r.token) })),
    );
  }

  /**
   * An attribute of what this construct manages (e.g. `slug_perm`), as a Terraform string value:
   * read from the ids file the stack's runner writes, once the runner has applied.
   */
  output(attr: string): string {
    return this.runner.output(this.key, attr);
  }
}
