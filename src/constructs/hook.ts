import { DataResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { formatIssues } from "../resources/common";
import { makePayload, type HookPayload } from "../resources/payload";
import type { ConnectionRef } from "../resources/types";
import type { z } from "zod";
import { ValidationError } from "./errors";

/** `<stack>/<construct path inside the stack>`: the identity tag reposmith writes on remote objects. */
export function resourceKey(scope: Construct): string {
  const stack = TerraformStack.of(scope);
  const inStack = scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map((s) => s.node.id);
  return [stack.node.id, ...inStack].join("/");
}

/** Validates props-turned-spec with the kind's zod schema; throws a ValidationError naming path, field and value. */
export function validateSpec<S extends z.ZodType>(scope: Construct, kind: string, schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(scope, kind, formatIssues(r.error, input));
  return r.data;
}

/**
 * The hook resource each reposmith construct adds to its stack (design.md "Desired state"):
 * built-in `terraform_data` (no provider download) carrying the payload strings; the generation
 * forces a re-run when the spec changes.
 */
export class HookResource extends Construct {
  readonly payload: HookPayload;
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, kind: string, key: string, spec: unknown, connection: ConnectionRef | undefined) {
    super(scope, id);
    this.payload = makePayload(kind, key, spec, connection);
    this.resource = new DataResource(this, "resource", {
      input: { ...this.payload },
      triggersReplace: { generation: this.payload.generation },
      lifecycle: { createBeforeDestroy: true },
    });
  }
}
