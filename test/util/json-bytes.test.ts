import fc from "fast-check";
import { parseJsonBytes } from "../../src/util/json-bytes";

/** What JSON.parse says of the text: its value, or the class of error it throws. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text.replace(/^\uFEFF/, "")) };
  } catch (e) {
    return { error: (e as Error).name };
  }
}

/** parseJsonBytes' answer; it frames pieces in the buffer while it decodes them, and must leave every byte as it was. */
function ours(bytes: Buffer, piece: number): { value: unknown } | { error: string } {
  const before = Buffer.from(bytes);
  try {
    return { value: parseJsonBytes(bytes, piece) };
  } catch (e) {
    return { error: (e as Error).name };
  } finally {
    expect(bytes.equals(before)).toBe(true);
  }
}

// Elements that put the cut bytes `},{"` where a wrong cut would go: in strings (as `\"`), in nested
// arrays of objects, and non-ASCII text next to them.
const tricky = fc.constantFrom("},{", '"},{"', 'é},{"ü', "\u2028", "😀", "x".repeat(200));
const element = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    name: fc.oneof(fc.string(), tricky),
    nested: fc.array(fc.record({ a: tricky, b: fc.integer() }), { maxLength: 4 }),
  }),
);

describe("parseJsonBytes", () => {
  it("gives JSON.parse's value for arrays cut into pieces, whatever the elements hold", () => {
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 8, max: 200 }),
        (items, piece) => {
          const bytes = Buffer.from(JSON.stringify(items), "utf8");
          expect(ours(bytes, piece)).toEqual({ value: JSON.parse(bytes.toString("utf8")) });
        },
      ),
      { numRuns: 400 },
    );
  });

  it("throws as JSON.parse throws for a body that is not JSON (cut short, changed, garbage after the array)", () => {
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 5, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom("truncate", "flip", "trail"),
        (items, at, how) => {
          let text = JSON.stringify(items);
          const i = at % text.length;
          if (how === "truncate") text = text.slice(0, i);
          else if (how === "flip") text = text.slice(0, i) + "}" + text.slice(i + 1);
          else text = text + "]";
          // Judge the bytes the parser gets: a cut or flip inside a surrogate pair leaves a lone
          // surrogate, which UTF-8 encoding turns into U+FFFD.
          const bytes = Buffer.from(text, "utf8");
          expect(ours(bytes, 16)).toEqual(reference(bytes.toString("utf8")));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("reads a byte order mark, whitespace around the array, and non-array bodies as JSON.parse does", () => {
    for (const text of [
      '\uFEFF[{"a":1},{"b":2}]',
      '  [{"a":1},{"b":2}]\n',
      '{"a":[{"b":1},{"c":2}]}',
      "[]",
      '"x"',
      "",
    ]) {
      expect(ours(Buffer.from(text, "utf8"), 2)).toEqual(reference(text));
    }
  });

  it("parses a page of 500 tokens in pieces: no one string of the page's size", () => {
    const page = Array.from({ length: 500 }, (_, i) => ({
      slug_perm: `abc${i}`,
      name: `t${i}`,
      metadata: { key: `app/t${i}`, "managed-by": "reposmith" },
      limit_num_downloads: i,
      description: "x".repeat(1000),
    }));
    const bytes = Buffer.from(JSON.stringify(page));
    const parse = jest.spyOn(JSON, "parse");
    try {
      expect(parseJsonBytes(bytes)).toEqual(page);
      const sizes = parse.mock.calls.map(([text]) => (text as string).length);
      expect(sizes.length).toBeGreaterThan(10);
      expect(Math.max(...sizes)).toBeLessThan(64 * 1024);
    } finally {
      parse.mockRestore();
    }
  });
});
