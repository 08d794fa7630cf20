import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseLifecycle, type Lifecycle } from "../resources/lifecycle";
import { handlerFor, kinds } from "../resources/registry";
import { formatIssues } from "../resources/common";
import { isPayload, payloadRefs, substituteRefs, UnresolvedRefError, type HookPayload } from "../resources/payload";
import { canonicalJson, generationOf } from "../util/canonical";
import { unescapeTemplate } from "../util/hcl-template";
import type { ConnectionRef } from "../resources/types";
import { ParsedFiles } from "../util/parsed-files";

/** One declared resource, as read back from cdktf.out. */
export interface DesiredResource {
  stack: string;
  key: string;
  kind: string;
  /** The spec; with placeholders where props are Terraform references, until resolveRefs() gives their values. */
  spec: unknown;
  /**
   * The spec as its kind's schema parses it, when the reader already did: a stack read from bytes
   * read before is not parsed again. Absent when the spec does not parse (the plan says why).
   */
  parsedSpec?: unknown;
  generation: string;
  connection: ConnectionRef | undefined;
  /** Controller lifecycle (driftPolicy, deletionPolicy) when the construct set one. */
  lifecycle?: Lifecycle;
  /**
   * Props given as Terraform references: placeholder id -> the expression as synthesized (e.g.
   * "${var.repo}"). After resolveRefs(): `values` holds what each expression evaluated to.
   */
  refs?: { expressions: Record<string, unknown>; values?: Record<string, unknown> };
}

export interface DesiredStack {
  name: string;
  resources: DesiredResource[];
}

class SynthOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SynthOutputError";
  }
}

/** Hook resource types that may carry a payload, and the attribute that holds it. */
const HOOK_ATTRS: Record<string, string> = { terraform_data: "input", null_resource: "triggers" };

/**
 * Reads the declared stacks of a cdktf output directory (manifest.json + stacks/<name>/cdk.tf.json):
 * all, or `only`. A stack in `only` that the app no longer declares but state
 * still holds (`inState`) is returned empty: planning it deletes (or destroys) what state has of it.
 */
export function readDesired(outdir: string, only?: string[], inState: string[] = []): DesiredStack[] {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!existsSync(manifestFile))
    throw new SynthOutputError(
      `no synthesized app in ${outdir} (manifest.json missing); run "reposmith synth" first or pass --output`,
    );
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const names = Object.keys(manifest.stacks ?? {});
  const stateOnly = (only ?? []).filter((s) => !names.includes(s) && inState.includes(s));
  for (const s of only ?? []) {
    if (!names.includes(s) && !stateOnly.includes(s)) {
      throw new SynthOutputError(
        names.length
          ? `unknown stack "${s}": the app has ${names.map((n) => `"${n}"`).join(", ")}; ` +
              `pass one of those to --stack, or leave --stack out for all stacks`
          : `unknown stack "${s}": the app declares no stacks; ` +
              `check that it creates a TerraformStack and calls app.synth()`,
      );
    }
  }
  return [
    ...names
      .filter((n) => !only?.length || only.includes(n))
      .map((name) => ({
        name,
        resources: readStack(name, path.join(outdir, manifest.stacks[name].synthesizedStackPath)),
      })),
    ...stateOnly.map((name) => ({ name, resources: [] })),
  ];
}

/**
 * Turns hook payloads of one stack into declared resources (reposmith's synth output and Terraform's
 * hooks alike). Format 2 payloads hold their strings as Terraform templates that evaluate to the
 * literal: read back as Terraform reads them. Most resources of a stack share one connection and
 * lifecycle: each distinct text is parsed once, and the result shared (nothing downstream modifies it).
 */
export function payloadReader(stack: string): (p: HookPayload) => DesiredResource {
  const connections = new Map<string, ConnectionRef | undefined>();
  const lifecycles = new Map<string | undefined, Lifecycle | undefined>();
  return (p) => {
    const literal = p.reposmith === "1" ? (s: string) => s : unescapeTemplate;
    const connText = literal(p.connection || "{}");
    if (!connections.has(connText)) {
      const conn = JSON.parse(connText) as ConnectionRef;
      connections.set(connText, Object.keys(conn).length ? conn : undefined);
    }
    const lifecycleText = p.lifecycle === undefined ? undefined : literal(p.lifecycle);
    if (!lifecycles.has(lifecycleText)) lifecycles.set(lifecycleText, parseLifecycle(lifecycleText));
    const spec: unknown = JSON.parse(literal(p.spec));
    const expressions = payloadRefs(p);
    return {
      stack,
      key: literal(p.key),
      kind: literal(p.kind),
      spec,
      generation: p.generation ?? generationOf(spec),
      connection: connections.get(connText),
      lifecycle: lifecycles.get(lifecycleText),
      ...(expressions ? { refs: { expressions } } : {}),
    };
  };
}

/** How a reference's expression is named in state and in the runner's lookup: its text as synthesized. */
export const expressionKey = (expression: unknown): string =>
  typeof expression === "string" ? expression : canonicalJson(expression);

export class UnresolvedReferenceError extends Error {
  constructor(
    readonly key: string,
    readonly prop: string,
    readonly expression: unknown,
    how: string,
  ) {
    super(
      `${key}: ${prop} is a Terraform reference (${expressionKey(expression)}) that has no value here: ${how}. ` +
        "Nothing was planned or changed.",
    );
    this.name = "UnresolvedReferenceError";
  }
}

/** What to do when a reference has no value in reposmith's state (never applied by Terraform). */
export const RUN_TERRAFORM_FIRST = (stack: string) =>
  `reposmith uses the values Terraform resolved at the stack's last apply, and stack "${stack}" has none for it; ` +
  "run terraform apply (or cdktf deploy) for it first";

/**
 * `d` with every reference's value in place (`value(expression)`; undefined = unknown), its spec
 * validated by the kind's schema with the messages a literal prop gets at synth, and its generation
 * covering the expressions (so a changed expression with an unchanged value is recorded). A resource
 * without references is returned as it is.
 */
export function resolveRefs(
  d: DesiredResource,
  value: (expression: unknown) => { value: unknown } | undefined,
  how: string,
): DesiredResource {
  if (!d.refs) return d;
  const { expressions } = d.refs;
  const values: Record<string, unknown> = {};
  let spec: unknown;
  try {
    spec = substituteRefs(d.spec, (id) => {
      const found = id in expressions ? value(expressions[id]) : undefined;
      if (found) values[expressionKey(expressions[id])] = found.value;
      return found;
    });
  } catch (err) {
    if (!(err instanceof UnresolvedRefError)) throw err;
    throw new UnresolvedReferenceError(d.key, err.path, expressions[err.id], how);
  }
  const handler = handlerFor(d.kind);
  const parsed = handler.spec.safeParse(spec);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error, spec);
    throw new InvalidReferenceValueError(
      `${d.kind} at "${d.key}":${problems.length === 1 ? ` ${problems[0]}` : "\n  - " + problems.join("\n  - ")}`,
    );
  }
  return {
    ...d,
    spec: parsed.data,
    parsedSpec: parsed.data,
    generation: generationOf({ spec: parsed.data, refs: Object.keys(values).sort() }),
    refs: { expressions, values },
  };
}

/** A value Terraform gave a reference that the prop does not accept: the message a literal gets at synth. */
export class InvalidReferenceValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValidationError";
  }
}

/**
 * The declared resources with the values Terraform resolved at each stack's last apply, as the
 * stack's runner recorded them in state (ResourceState.refs). A reference never resolved fails,
 * naming the prop and the construct.
 */
export async function resolveFromState(
  desired: DesiredStack[],
  read: (stack: string) => Promise<{ resources: Record<string, { refs?: Record<string, unknown> }> }>,
): Promise<DesiredStack[]> {
  const out: DesiredStack[] = [];
  for (const d of desired) {
    if (!d.resources.some((r) => r.refs)) {
      out.push(d);
      continue;
    }
    const state = await read(d.name);
    out.push({
      ...d,
      resources: d.resources.map((r) => {
        const known = state.resources[r.key]?.refs;
        return resolveRefs(
          r,
          (e) => (known && expressionKey(e) in known ? { value: known[expressionKey(e)] } : undefined),
          RUN_TERRAFORM_FIRST(d.name),
        );
      }),
    });
  }
  return out;
}

/**
 * Synthesized stacks as last read, by absolute path (the path names the stack): a plan of an app
 * whose synth output did not change since the last read (the controller's every pass) reuses the
 * declared resources, their specs parsed by their kinds' schemas included.
 */
const parsedStacks = new ParsedFiles<readonly DesiredResource[]>();

function readStack(stack: string, file: string): DesiredResource[] {
  const declared = parsedStacks.readSync(path.resolve(file), (bytes) => declaredIn(stack, bytes));
  return [...declared];
}

/**
 * The resources a stack's cdk.tf.json declares. They are frozen: they are shared by every read of
 * the same bytes, so nothing may change them in place.
 */
function declaredIn(stack: string, bytes: Buffer): readonly DesiredResource[] {
  const doc = JSON.parse(bytes.toString("utf8")) as {
    resource?: Record<string, Record<string, Record<string, unknown>>>;
  };
  const out: DesiredResource[] = [];
  const seen = new Set<string>();
  const toDesired = payloadReader(stack);
  for (const p of hookPayloadsIn(doc)) {
    if (seen.has(p.key)) throw new SynthOutputError(`stack "${stack}" declares "${p.key}" twice`);
    seen.add(p.key);
    out.push(Object.freeze(withParsedSpec(toDesired(p))));
  }
  return out;
}

/** The hook payloads of a synthesized stack document (cdk.tf.json), in the document's order. */
export function hookPayloadsIn(doc: {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}): HookPayload[] {
  const out: HookPayload[] = [];
  for (const [type, attr] of Object.entries(HOOK_ATTRS))
    for (const block of Object.values(doc.resource?.[type] ?? {})) if (isPayload(block[attr])) out.push(block[attr]);
  return out;
}

/** `d` with its spec parsed by its kind's schema, when it parses (and has no reference to resolve first). */
function withParsedSpec(d: DesiredResource): DesiredResource {
  if (d.refs || !kinds().includes(d.kind)) return d;
  const parsed = handlerFor(d.kind).spec.safeParse(d.spec);
  return parsed.success ? { ...d, parsedSpec: parsed.data } : d;
}
