/**
 * A field added to a kind's table reaches the spec, the state projection, drift and the plan with
 * no other change: shown on a fixture kind defined only here (a "Widget" with a seat limit).
 */
import { z } from "zod";
import { renderPlan } from "../../src/engine/render";
import type { Plan, ResourcePlan } from "../../src/engine/plan";
import { count, formatIssues } from "../../src/resources/common";
import { fieldTable, UNMANAGED, type FieldDef } from "../../src/resources/field-table";

const BASE = [
  { api: "name", prop: "name", schema: z.string().min(1) },
  { api: "is_enabled", prop: "enabled", schema: z.boolean().default(true) },
] as const satisfies readonly FieldDef[];

/** The one row a newcomer adds: an optional limit, null ("no limit") when not given. */
const SEATS = {
  api: "limit_seats",
  prop: "limits.seats",
  schema: count("limits.seats").optional(),
} as const satisfies FieldDef;

const build = <F extends readonly FieldDef[]>(fields: F) => {
  const table = fieldTable(fields, { limits: (o) => o.default({}) });
  const schema = z.object({ owner: z.string(), ...table.props }).strict();
  return { table, schema };
};
const before = build(BASE);
const after = build([...BASE, SEATS]);

const plan = (r: Partial<ResourcePlan>): Plan => ({
  stacks: [
    {
      stack: "app",
      resources: [{ stack: "app", key: "app/w", kind: "Widget", label: "w", action: "noop", changes: [], ...r }],
    } as Plan["stacks"][number],
  ],
  summary: { add: 0, change: 0, destroy: 0, adopt: 0, rotate: 0, forget: 0 },
});

describe("a field added through the table (fixture kind Widget)", () => {
  it("is a prop of the spec, validated with a message naming the prop", () => {
    const input = { owner: "acme", name: "w", limits: { seats: -1 } };
    const bad = after.schema.safeParse(input);
    expect(bad.success).toBe(false);
    expect(formatIssues(bad.error!, input)).toEqual(["limits.seats must be 0 or more (got -1)"]);
    expect(after.schema.parse({ owner: "acme", name: "w", limits: { seats: 5 } })).toEqual({
      owner: "acme",
      name: "w",
      enabled: true,
      limits: { seats: 5 },
    });
    // Without the row, the prop is unknown.
    expect(before.schema.safeParse(input).success).toBe(false);
    expect(before.schema.safeParse({ owner: "acme", name: "w" }).success).toBe(true);
  });

  it("is sent as its API field, null (cleared) when not given, and kept in state's projection in table order", () => {
    const spec = after.schema.parse({ owner: "acme", name: "w", limits: { seats: 5 } });
    expect(after.table.desired(spec, "app/w")).toEqual({ name: "w", is_enabled: true, limit_seats: 5 });
    expect(after.table.desired(after.schema.parse({ owner: "acme", name: "w" }), "app/w")).toEqual({
      name: "w",
      is_enabled: true,
      limit_seats: null,
    });
    const projected: Record<string, unknown> = {};
    after.table.project(projected, { name: "w", is_enabled: true, limit_seats: 7, secret: "s3cr3t" });
    expect(JSON.stringify(projected)).toBe('{"name":"w","is_enabled":true,"limit_seats":7}');
    expect(after.table.apiNames).toEqual(["name", "is_enabled", "limit_seats"]);
  });

  it("is compared for drift (and ignoreChanges names it), and the plan shows it on create and update", () => {
    const spec = after.schema.parse({ owner: "acme", name: "w", limits: { seats: 5 } });
    const desired = after.table.desired(spec, "app/w");
    const changes = after.table.changes(desired, { name: "w", is_enabled: true, limit_seats: 9 }, []);
    expect(changes).toEqual([{ path: "limit_seats", old: 9, new: 5, effect: "update" }]);
    expect(after.table.changes(desired, { name: "w", is_enabled: true, limit_seats: 9 }, ["limit_seats"])).toEqual([]);

    const update = renderPlan(plan({ action: "update", changes }));
    expect(update).toContain("~ limit_seats = 9 -> 5");
    const create = renderPlan(plan({ action: "create", createFields: after.table.shown(desired, { owner: "acme" }) }));
    expect(create).toMatch(/\+ limit_seats\s+= 5/);
    expect(create).toMatch(/\+ owner\s+= "acme"/);
  });

  it("a field left alone when not given is absent from what is sent and compared", () => {
    const optional = build([
      ...BASE,
      { api: "is_public", prop: "public", schema: z.boolean().optional(), unset: UNMANAGED },
    ] as const);
    const spec = optional.schema.parse({ owner: "acme", name: "w" });
    expect("is_public" in optional.table.desired(spec, "k")).toBe(false);
    expect(
      optional.table.changes(optional.table.desired(spec, "k"), { name: "w", is_enabled: true, is_public: true }, []),
    ).toEqual([]);
  });

  it("a field not compared for drift is compared with what the last applied spec asked for", () => {
    const t = build([...BASE, { ...SEATS, drift: false }]).table;
    const want = { name: "w", is_enabled: true, limit_seats: 5 };
    const shown = { name: "w", is_enabled: true, limit_seats: 0 }; // moved by the API itself
    expect(t.changes(want, shown, [], () => ({ ...want }))).toEqual([]);
    // Without an applied spec (found, not yet applied), what the API shows is all there is.
    expect(t.changes(want, shown, [], () => undefined)).toEqual([
      { path: "limit_seats", old: 0, new: 5, effect: "update" },
    ]);
    expect(t.changes(want, shown, [], () => ({ ...want, limit_seats: 4 }))).toEqual([
      { path: "limit_seats", old: 4, new: 5, effect: "update" },
    ]);
  });
});
