/**
 * Validates HTTP responses against the published Cloudsmith OpenAPI 3.0 spec with ajv.
 * Reusable by any test: `getSpecValidator().assertResponse("entitlements_read", 200, body)`.
 *
 * OpenAPI 3.0 differs from JSON Schema in `nullable: true`; schemas are converted
 * (type → [type, "null"], enums gain null, type-less nullable schemas become anyOf [schema, null])
 * and `#/components/schemas/...` refs point into one registered document.
 * The spec is read from REPOSMITH_SPEC, else the copy vendored in spec/.
 */
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The published spec, vendored in spec/ (a copy of Cloudsmith's published description, https://github.com/cloudsmith-io/cloudsmith-api-go/blob/35467659dcd7fc56d593f58972972cbecc16b89a/api/openapi.yaml; see spec/README.md); REPOSMITH_SPEC overrides. */
export const SPEC_PATH = process.env.REPOSMITH_SPEC ?? path.resolve(__dirname, "../../spec/cloudsmith-openapi.json");

const DOC_ID = "cloudsmith-openapi";
const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

type Json = Record<string, unknown>;

export interface SpecOperation {
  method: string;
  path: string;
  operation: Json;
}

export interface SpecValidatorOptions {
  /** Path of the OpenAPI JSON. @default SPEC_PATH */
  specPath?: string;
  /** Reject properties the schema does not declare (for objects that declare some). @default false */
  noAdditionalProperties?: boolean;
}

/** Converts an OpenAPI 3.0 schema (recursively) to JSON Schema for ajv. */
export function toJsonSchema(schema: unknown, noAdditionalProperties = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, noAdditionalProperties));
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/")) out.$ref = `${DOC_ID}${value}`;
    else if (key === "example" || key === "nullable" || key === "x-nullable") continue;
    else out[key] = toJsonSchema(value, noAdditionalProperties);
  }
  if (
    noAdditionalProperties &&
    out.properties &&
    Object.keys(out.properties as Json).length > 0 &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  if ((schema as Json).nullable === true) {
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [out, { type: "null" }] };
    }
  }
  return out;
}

export class SpecValidator {
  readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly operations = new Map<string, SpecOperation>();

  constructor(private readonly opts: SpecValidatorOptions = {}) {
    this.spec = JSON.parse(readFileSync(opts.specPath ?? SPEC_PATH, "utf8")) as Json;
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv);
    this.ajv.addFormat("slug", /^[-a-zA-Z0-9_]+$/);
    this.ajv.addFormat("decimal", /^-?\d+(\.\d+)?$/);
    const components = (this.spec.components as Json | undefined) ?? {};
    this.ajv.addSchema({ $id: DOC_ID, components: toJsonSchema(components, opts.noAdditionalProperties) }, DOC_ID);
    for (const [p, item] of Object.entries(this.spec.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const operation = op as Json;
        if (METHODS.includes(method) && typeof operation.operationId === "string") {
          this.operations.set(operation.operationId, { method: method.toUpperCase(), path: p, operation });
        }
      }
    }
  }

  operation(operationId: string): SpecOperation {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`operationId ${operationId} is not in the spec`);
    return op;
  }

  /** The (OpenAPI) JSON response schema of an operation's status, or undefined when it declares no body. */
  responseSchema(operationId: string, status: number): unknown {
    const responses = this.operation(operationId).operation.responses as Json;
    const response = (responses[String(status)] ?? responses.default) as Json | undefined;
    if (!response)
      throw new Error(
        `${operationId} does not document status ${status} (documents ${Object.keys(responses).join(", ")})`,
      );
    const content = response.content as Json | undefined;
    return (content?.["application/json"] as Json | undefined)?.schema;
  }

  /** Property names a component schema declares, e.g. every field of RepositoryToken. */
  schemaProperties(name: string): string[] {
    const schema = ((this.spec.components as Json).schemas as Json)[name] as Json | undefined;
    if (!schema) throw new Error(`schema ${name} is not in the spec`);
    return Object.keys((schema.properties as Json | undefined) ?? {});
  }

  /** Validates a response body; errors are human-readable strings. */
  validate(operationId: string, status: number, body: unknown): { valid: boolean; errors: string[] } {
    const key = `${operationId} ${status}`;
    let fn = this.cache.get(key);
    if (!fn) {
      const schema = this.responseSchema(operationId, status);
      if (schema === undefined) {
        const empty = body === undefined || body === null || body === "";
        return {
          valid: empty,
          errors: empty ? [] : [`${key} declares no body but got ${JSON.stringify(body).slice(0, 200)}`],
        };
      }
      fn = this.ajv.compile(toJsonSchema(schema, this.opts.noAdditionalProperties) as Json);
      this.cache.set(key, fn);
    }
    const valid = fn(body) as boolean;
    const errors = (fn.errors ?? []).map(
      (e) => `${e.instancePath || "(root)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
    );
    return { valid, errors };
  }

  /** Throws with every schema violation listed when the body does not conform. */
  assertResponse(operationId: string, status: number, body: unknown): void {
    const { valid, errors } = this.validate(operationId, status, body);
    if (!valid) throw new Error(`${operationId} ${status} response does not match the spec:\n  ${errors.join("\n  ")}`);
  }
}

const shared = new Map<string, SpecValidator>();

/** A cached validator (building one parses the 2 MB spec). */
export function getSpecValidator(opts: SpecValidatorOptions = {}): SpecValidator {
  const key = JSON.stringify(opts);
  let v = shared.get(key);
  if (!v) shared.set(key, (v = new SpecValidator(opts)));
  return v;
}
