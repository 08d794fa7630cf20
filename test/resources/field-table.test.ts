/**
 * A field added to a kind's table reaches the spec, the state projection, drift and the plan with
 * no other change: shown on a fixture kind defined only here (a "Widget" with a seat limit).
 */
import { z } from "zod";
import { renderPlan } from "../../src/engine/render";
import type { Plan, ResourcePlan } from "../../src/engine/plan";
import { count, formatIssues } from "../../src/resources/common";
import { fieldTable, NOT_READABLE, UNMANAGED, type FieldDef } from "../../src/resources/field-table";

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

  it("nullIsUnknown: an API null is never a difference (the API could not say)", () => {
    const t = build([...BASE, { ...SEATS, nullIsUnknown: true }]).table;
    const want = { name: "w", is_enabled: true, limit_seats: 5 };
    expect(t.changes(want, { name: "w", is_enabled: true, limit_seats: null }, [])).toEqual([]);
    expect(t.changes(want, { name: "w", is_enabled: true }, [])).toEqual([]);
    // A value the API does show is still compared.
    expect(t.changes(want, { name: "w", is_enabled: true, limit_seats: 2 }, [])).toEqual([
      { path: "limit_seats", old: 2, new: 5, effect: "update" },
    ]);
  });

  it('blankShownAsNull: a change from "" shows null as the old value', () => {
    const row = { api: "label", prop: "label", schema: z.string().optional(), unset: UNMANAGED } as const;
    const plain = build([...BASE, row]).table;
    const blank = build([...BASE, { ...row, blankShownAsNull: true }]).table;
    const want = { name: "w", is_enabled: true, label: "x" };
    const have = { name: "w", is_enabled: true, label: "" };
    expect(blank.changes(want, have, [])).toEqual([{ path: "label", old: null, new: "x", effect: "update" }]);
    expect(plain.changes(want, have, [])).toEqual([{ path: "label", old: "", new: "x", effect: "update" }]);
    const update = renderPlan(plan({ action: "update", changes: blank.changes(want, have, []) }));
    expect(update).toContain('~ label = null -> "x"');
  });

  it('writeOnly: compared with the last applied spec only, written once when found without one if "once"', () => {
    const row = { api: "branch", prop: "branch", schema: z.string().default("all") } as const;
    const once = build([...BASE, { ...row, writeOnly: "once" }]).table;
    const trusted = build([...BASE, { ...row, writeOnly: true }]).table;
    const want = { name: "w", is_enabled: true, branch: "all" };
    const shown = { name: "w", is_enabled: true }; // the API never shows it
    // Found without an applied spec (adopted): "once" writes it, true takes what is there.
    expect(once.changes(want, shown, [], () => undefined)).toEqual([
      { path: "branch", old: NOT_READABLE, new: "all", effect: "update" },
    ]);
    expect(trusted.changes(want, shown, [], () => undefined)).toEqual([]);
    // With one, only a change of the spec is a change.
    for (const t of [once, trusted]) {
      expect(t.changes(want, shown, [], () => ({ ...want }))).toEqual([]);
      expect(t.changes(want, shown, [], () => ({ ...want, branch: "default" }))).toEqual([
        { path: "branch", old: "default", new: "all", effect: "update" },
      ]);
    }
    // Never in the state projection: the API has no value of it.
    expect(once.observed({ name: "w", is_enabled: true, branch: "x" }, {})).toEqual({ name: "w", is_enabled: true });
  });

  it('shown "given": a create\'s plan shows it only when the spec gives the prop', () => {
    const row = { api: "tags", prop: "tags", schema: z.record(z.string(), z.string()).optional(), unset: {} } as const;
    const given = build([...BASE, { ...row, shown: "given" }]);
    const always = build([...BASE, row]);
    const bare = given.schema.parse({ owner: "acme", name: "w" });
    expect(given.table.shown(given.table.desired(bare, "k"), {}, bare)).toEqual({ name: "w", is_enabled: true });
    expect(always.table.shown(always.table.desired(bare, "k"), {}, bare)).toEqual({
      name: "w",
      is_enabled: true,
      tags: {},
    });
    const tagged = given.schema.parse({ owner: "acme", name: "w", tags: { a: "1" } });
    expect(given.table.shown(given.table.desired(tagged, "k"), {}, tagged)).toEqual({
      name: "w",
      is_enabled: true,
      tags: { a: "1" },
    });
  });

  it("read: the state projection reads a field as the row says, with the kind's context", () => {
    const t = build([
      ...BASE,
      { ...SEATS, read: (r: { seats?: { max: number } }, scale: number) => (r.seats ? r.seats.max * scale : null) },
    ]).table;
    expect(t.observed({ name: "w", is_enabled: true, seats: { max: 3 } }, { id: 1 }, 10)).toEqual({
      id: 1,
      name: "w",
      is_enabled: true,
      limit_seats: 30,
    });
  });

  it("order: the kind's own fields placed among the table's in a create's plan and in state", () => {
    const order = { create: ["name", "owner", "limit_seats"], state: ["id", "name", "raw", "is_enabled"] };
    const ordered = fieldTable([...BASE, SEATS], { limits: (o) => o.default({}) }, order);
    const plain = fieldTable([...BASE, SEATS], { limits: (o) => o.default({}) });
    const desired = { name: "w", is_enabled: true, limit_seats: 5 };
    const keys = (o: object) => Object.keys(o).join(",");
    expect(keys(ordered.shown(desired, { owner: "acme" }))).toBe("name,owner,limit_seats,is_enabled");
    expect(keys(plain.shown(desired, { owner: "acme" }))).toBe("owner,name,is_enabled,limit_seats");
    const create = renderPlan(plan({ action: "create", createFields: ordered.shown(desired, { owner: "acme" }) }));
    expect(create.indexOf("+ name")).toBeLessThan(create.indexOf("+ owner"));
    const record = { name: "w", is_enabled: true, limit_seats: 5 };
    expect(JSON.stringify(ordered.observed(record, { id: 1, raw: 0, health: "ok" }))).toBe(
      '{"id":1,"name":"w","raw":0,"is_enabled":true,"health":"ok","limit_seats":5}',
    );
    expect(JSON.stringify(plain.observed(record, { id: 1, raw: 0, health: "ok" }))).toBe(
      '{"id":1,"raw":0,"health":"ok","name":"w","is_enabled":true,"limit_seats":5}',
    );
  });

  it("needs: the fields whose change needs a given write", () => {
    const t = build([{ ...BASE[0], needs: ["put"] }, { ...BASE[1], needs: ["put", "sync"] }, SEATS]).table;
    expect([...t.needing("put")]).toEqual(["name", "is_enabled"]);
    expect([...t.needing("sync")]).toEqual(["is_enabled"]);
  });

  it("body: a write sends the fields that need it, renamed and mapped by sendAs and send", () => {
    const t = build([
      { ...BASE[0], needs: ["put"] },
      {
        ...BASE[1],
        needs: ["put"],
        sendAs: "disabled",
        send: (on: boolean, inverted: boolean) => (inverted ? !on : on),
      },
      { ...SEATS, unset: UNMANAGED, needs: ["sync"] },
    ]).table;
    const desired = { name: "w", is_enabled: true };
    expect(t.body(desired, "put", true)).toEqual({ name: "w", disabled: false });
    expect(t.body(desired, "put", false)).toEqual({ name: "w", disabled: true });
    // A field the spec leaves alone (absent from desired) is not sent.
    expect(t.body(desired, "sync")).toEqual({});
    expect(t.body({ ...desired, limit_seats: 4 }, "sync")).toEqual({ limit_seats: 4 });
  });
});
