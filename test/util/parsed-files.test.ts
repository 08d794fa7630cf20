import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ParsedFiles } from "../../src/util/parsed-files";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-parsed-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A parse that counts its calls. */
function counting(): { parse: (b: Buffer) => string; calls: () => number } {
  let n = 0;
  return {
    parse: (b) => {
      n++;
      return b.toString("utf8");
    },
    calls: () => n,
  };
}

// Each case runs through read() and readSync(): the same rules both ways.
const ways: [string, (pf: ParsedFiles<string>, f: string, p: (b: Buffer) => string) => Promise<string>][] = [
  ["read", (pf, f, p) => pf.read(f, p)],
  ["readSync", async (pf, f, p) => pf.readSync(f, p)],
];

describe.each(ways)("ParsedFiles.%s", (_, read) => {
  it("parses a file once while its bytes stay the same", async () => {
    const file = path.join(dir, "a.json");
    writeFileSync(file, "x".repeat(3_000_000)); // more than one comparison chunk
    const pf = new ParsedFiles<string>();
    const c = counting();
    const first = await read(pf, file, c.parse);
    expect(await read(pf, file, c.parse)).toBe(first);
    expect(c.calls()).toBe(1);
  });

  it("sees a change of one byte that keeps the size and the modification time", async () => {
    const file = path.join(dir, "a.json");
    writeFileSync(file, "x".repeat(2_500_000));
    const { mtime } = statSync(file);
    const pf = new ParsedFiles<string>();
    const c = counting();
    await read(pf, file, c.parse);
    writeFileSync(file, "x".repeat(2_000_000) + "y" + "x".repeat(499_999));
    utimesSync(file, mtime, mtime);
    expect((await read(pf, file, c.parse)).includes("y")).toBe(true);
    expect(c.calls()).toBe(2);
  });

  it("sees a file that grew or shrank, and a file replaced by another with the same bytes is still the same", async () => {
    const file = path.join(dir, "a.json");
    writeFileSync(file, "abc");
    const pf = new ParsedFiles<string>();
    const c = counting();
    await read(pf, file, c.parse);
    writeFileSync(file, "abcd");
    expect(await read(pf, file, c.parse)).toBe("abcd");
    writeFileSync(file, "ab");
    expect(await read(pf, file, c.parse)).toBe("ab");
    writeFileSync(path.join(dir, "b.json"), "ab");
    renameSync(path.join(dir, "b.json"), file);
    expect(await read(pf, file, c.parse)).toBe("ab");
    expect(c.calls()).toBe(3);
  });

  it("does not keep a failed parse: the next read parses again", async () => {
    const file = path.join(dir, "a.json");
    writeFileSync(file, "bad");
    const pf = new ParsedFiles<string>();
    let calls = 0;
    const parse = (b: Buffer) => {
      calls++;
      if (b.toString() === "bad") throw new Error("unparsable");
      return b.toString();
    };
    await expect(read(pf, file, parse)).rejects.toThrow("unparsable");
    await expect(read(pf, file, parse)).rejects.toThrow("unparsable");
    expect(calls).toBe(2);
  });

  it("throws the file system's error for a missing file", async () => {
    const pf = new ParsedFiles<string>();
    await expect(read(pf, path.join(dir, "none.json"), (b) => b.toString())).rejects.toMatchObject({ code: "ENOENT" });
  });
});
