/**
 * How a stack's state is laid out as text (the file store's `<stack>.json`): JSON whose top-level
 * fields are one per line and whose resources are one per line, each a compact JSON object.
 *
 * Not indented throughout (JSON.stringify(state, null, 2)): indentation would be a large share of the
 * bytes and make parsing them back slower. One resource per line keeps the file readable where it
 * matters: `grep` finds a key's whole entry, and a diff between two versions shows the resources
 * that changed. It is still plain JSON, so a state file written either way loads in every version.
 */
import type { StackState } from "./types";

/** Text gathered into bytes a few kilobytes at a time: a large state is never held as one string. */
class Bytes {
  private readonly chunks: Buffer[] = [];
  private text = "";

  add(s: string): void {
    this.text += s;
    if (this.text.length >= 64 * 1024) this.flush();
  }

  done(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }

  private flush(): void {
    this.chunks.push(Buffer.from(this.text, "utf8"));
    this.text = "";
  }
}

/**
 * The state as the file store writes it (UTF-8). Says what JSON.stringify(state) says: the same
 * fields, undefined ones left out; only the spacing differs.
 */
export function encodeState(state: StackState): Buffer {
  const out = new Bytes();
  let first = true;
  out.add("{");
  for (const [field, value] of Object.entries(state)) {
    if (value === undefined) continue;
    out.add(`${first ? "" : ","}\n  ${JSON.stringify(field)}: `);
    first = false;
    if (field !== "resources") {
      out.add(JSON.stringify(value));
      continue;
    }
    let none = true;
    for (const key of Object.keys(state.resources)) {
      const rs = state.resources[key];
      if (rs === undefined) continue;
      out.add(`${none ? "{" : ","}\n    ${JSON.stringify(key)}: ${JSON.stringify(rs)}`);
      none = false;
    }
    out.add(none ? "{}" : "\n  }");
  }
  out.add("\n}\n");
  return out.done();
}
