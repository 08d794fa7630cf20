import { createColors } from "picocolors";
import { handlerFor } from "../resources/registry";
import { presentationOf, type ResourceHandler } from "../resources/contract";
import { canonicalJson } from "../util/canonical";
import { escapeControl as safe } from "../util/escape";
import type { DriftItem } from "./drift";
import type { Plan, ResourcePlan } from "./plan";
import { deletesObjects, FOUND_BY_IDENTITY } from "./messages";

// Every piece of a plan that came from outside (ids, names, values an API answered, notices quoting
// them) is shown with its control characters escaped (util/escape.ts): never a raw escape sequence.
const fmt = (v: unknown): string => (v === null || v === undefined ? "null" : safe(canonicalJson(v)));

const HEADLINE: Record<ResourcePlan["action"], string> = {
  create: "will be created",
  update: "will be updated in-place",
  replace: "must be replaced",
  delete: "will be destroyed",
  adopt: "will be adopted",
  forget: "is already gone remotely and will be removed from state",
  noop: "",
};

type Colors = ReturnType<typeof createColors>;

/** How text is rendered: colour only when the caller (the CLI, which knows its stream) asks. */
export interface RenderOptions {
  color?: boolean;
}

const symbol = (pc: Colors, action: ResourcePlan["action"]): string =>
  ({
    create: pc.green("+"),
    update: pc.yellow("~"),
    replace: pc.red("-/+"),
    delete: pc.red("-"),
    adopt: pc.cyan("<="),
    forget: pc.dim("."),
    noop: " ",
  })[action];

function fieldLines(entries: [string, string][], indent: string): string[] {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${indent}${k.padEnd(width)} = ${v}`);
}

/** `old -> new` of a rotation or a reset (wording of ours around values that may quote the API). */
const said = (c: { old: unknown; new: unknown }) => `${safe(String(c.old))} -> ${safe(String(c.new))}`;

/** The kind's handler, for its own wording; undefined for a kind this version does not know. */
function handlerOf(kind: string): ResourceHandler | undefined {
  try {
    return handlerFor(kind);
  } catch {
    return undefined;
  }
}

/**
 * How a resource found without state was found: each kind says (a tag,
 * a default flag, a package's format/name/version, a repository id).
 */
const foundBy = (r: ResourcePlan): string => {
  const h = handlerOf(r.kind);
  return r.spec !== undefined && h ? presentationOf(h).foundBy(r.spec) : FOUND_BY_IDENTITY;
};

/** How objects inside a resource that an update deletes are headlined: each kind says (a mirror's prunes). */
const describeDeletes = (r: ResourcePlan, count: number): string => {
  const h = handlerOf(r.kind);
  return r.spec !== undefined && h ? presentationOf(h).describeDeletes(count, r.spec) : deletesObjects(count);
};

function headline(r: ResourcePlan): string {
  if (r.action === "forget" && r.observed) return "will be removed from state; the remote object is kept";
  if (r.action === "adopt") return `${HEADLINE.adopt} (${foundBy(r)}; state updated, no API write)`;
  if (r.action !== "update") return HEADLINE[r.action];
  const deletes = r.changes.filter((c) => c.effect === "delete").length;
  const what = [
    // Counted among the adoptions too (summarize): found, then changed, in one step.
    r.observed?.adopted && `${HEADLINE.adopt} (${foundBy(r)})`,
    r.changes.some((c) => c.effect === "update") && HEADLINE.update,
    r.changes.some((c) => c.effect === "rotate") && "will be rotated (refresh: same id, new secret value)",
    r.changes.some((c) => c.effect === "reset") && "will have its usage reset",
    deletes > 0 && describeDeletes(r, deletes),
  ].filter(Boolean);
  return what.join(", and ");
}

function renderResource(r: ResourcePlan, pc: Colors): string[] {
  const lines = [`  # ${safe(r.key)} (${safe(r.kind)} ${safe(r.label)}) ${safe(headline(r))}`];
  const head = `  ${symbol(pc, r.action)} ${safe(r.kind)} "${safe(r.key)}"`;
  if (r.action === "create") {
    lines.push(
      `${head} {`,
      ...fieldLines(
        Object.entries(r.createFields ?? {}).map(([k, v]) => [`${pc.green("+")} ${safe(k)}`, fmt(v)]),
        "      ",
      ),
      "    }",
    );
  } else if (r.action === "update" || r.action === "replace") {
    const marks = r.changes.map((c): [string, string] => [
      `${c.effect === "replace" ? pc.red("-/+") : c.effect === "delete" ? pc.red("-") : pc.yellow("~")} ` +
        `${safe(c.path)}`,
      c.effect === "rotate" || c.effect === "reset"
        ? said(c)
        : `${fmt(c.old)} -> ${fmt(c.new)}${c.effect === "replace" ? pc.red(" # forces replacement") : ""}`,
    ]);
    lines.push(`${head} {`, ...fieldLines(marks, "      "), "    }");
  } else {
    lines.push(head);
  }
  if (r.notice) lines.push(`    ${pc.yellow("note:")} ${safe(r.notice)}`);
  return lines;
}

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const pc = createColors(options.color ?? false);
  const visible = plan.stacks.flatMap((s) => s.resources.filter((r) => r.action !== "noop"));
  if (!visible.length) return "No changes. Your resources match the configuration.";
  const out = ["reposmith will perform the following actions:", ""];
  for (const r of visible) out.push(...renderResource(r, pc), "");
  const { add, change, destroy, adopt, rotate, forget } = plan.summary;
  const extra = [
    rotate ? `${rotate} to rotate` : "",
    adopt ? `${adopt} to adopt` : "",
    forget ? `${forget} to forget` : "",
  ]
    .filter(Boolean)
    .map((x) => `, ${x}`)
    .join("");
  out.push(pc.bold(`Plan: ${add} to add, ${change} to change, ${destroy} to destroy${extra}.`));
  return out.join("\n");
}

export function renderDrift(items: DriftItem[], checked: number, options: RenderOptions = {}): string {
  const pc = createColors(options.color ?? false);
  if (!items.length) return `No drift: ${checked} resource(s) match what was last applied.`;
  const out: string[] = [];
  for (const d of items) {
    if (d.status === "deleted") {
      out.push(`  ${pc.red("-")} ${safe(d.key)} (${safe(d.kind)} ${safe(d.label)}) was deleted outside reposmith`);
    } else {
      out.push(`  ${pc.yellow("~")} ${safe(d.key)} (${safe(d.kind)} ${safe(d.label)}) changed outside reposmith:`);
      out.push(
        ...fieldLines(
          d.changes.map((c) => [
            safe(c.path),
            c.effect === "rotate" || c.effect === "reset" ? said(c) : `${fmt(c.old)} -> ${fmt(c.new)}`,
          ]),
          "      ",
        ),
      );
    }
  }
  out.push(
    "",
    pc.bold(
      `Drift: ${items.length} of ${checked} resource(s) differ from what was last applied. ` +
        `Run "reposmith apply" to correct.`,
    ),
  );
  return out.join("\n");
}
