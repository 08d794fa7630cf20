/**
 * JSON.parse for a response body held as bytes (UTF-8), with the same result and the same errors as
 * `JSON.parse(bytes.toString("utf8"))`, but cheaper for a large array: a page of list results.
 *
 * Why: a page decoded at once is one large string, which V8 maps for it alone and unmaps at the next
 * collection, so every page pays again for memory touched for the first time; pieces of a few
 * kilobytes are ordinary young objects whose memory is reused (figures in docs/performance.md).
 *
 * The pieces are cut between two elements of the top-level array, where the bytes read `},{"`.
 * Those four bytes never occur inside a JSON string (a quote inside a string is always escaped),
 * so a cut is either between two top-level elements or inside a nested array of objects. A cut
 * inside a nested array leaves brackets unbalanced in the piece before it, whose parse then fails:
 * every piece parsing means every cut was between top-level elements, and the elements are those of
 * the whole. On any failure the whole text is parsed as one, which gives JSON.parse's own answer
 * (its error, for a body that is not JSON). A body that is compact JSON (Django REST framework's
 * default, as Cloudsmith's API uses) is cut; one with spaces after its commas is parsed whole.
 */

/** Bodies shorter than this are parsed whole; longer arrays in pieces of about this many bytes. */
const PIECE_BYTES = 32 * 1024;
const CUT = Buffer.from('},{"', "latin1");
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function parseJsonBytes(bytes: Buffer, pieceBytes = PIECE_BYTES): unknown {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  if (bytes.length - from >= 2 * pieceBytes && bytes[from] === OPEN_BRACKET) {
    const elements = inPieces(bytes, from + 1, pieceBytes);
    if (elements) return elements;
  }
  return JSON.parse(bytes.toString("utf8", from));
}

/**
 * The elements of the array whose first element starts at `start`, or undefined when a piece does not parse.
 *
 * Each piece is framed as an array in the buffer itself: the byte before it (the array's `[`, or the
 * `,` between two elements) is `[` while it is decoded, and the `,` after it is `]`; both are put back
 * at once. Brackets added by concatenation would make a rope that V8 copies into a flat string first.
 */
function inPieces(bytes: Buffer, start: number, pieceBytes: number): unknown[] | undefined {
  const out: unknown[] = [];
  try {
    for (;;) {
      const cut = bytes.length - start > 2 * pieceBytes ? bytes.indexOf(CUT, start + pieceBytes) : -1;
      // The last piece carries the array's closing bracket (and any whitespace after it).
      const end = cut < 0 ? bytes.length : cut + 2;
      const piece = JSON.parse(framed(bytes, start - 1, end)) as unknown;
      if (!Array.isArray(piece)) return undefined;
      for (const element of piece) out.push(element);
      if (cut < 0) return out;
      start = cut + 2; // after "},"
    }
  } catch {
    return undefined;
  }
}

/**
 * bytes[from, to) decoded with `[` at `from` and, unless `to`
 * is the end, `]` at `to - 1`; the buffer is left as it was.
 */
function framed(bytes: Buffer, from: number, to: number): string {
  const open = bytes[from];
  const close = to < bytes.length ? bytes[to - 1] : undefined;
  bytes[from] = OPEN_BRACKET;
  if (close !== undefined) bytes[to - 1] = CLOSE_BRACKET;
  try {
    return bytes.toString("utf8", from, to);
  } finally {
    bytes[from] = open;
    if (close !== undefined) bytes[to - 1] = close;
  }
}
