/**
 * Text that came from outside (an id or a name an API answered, a message it sent) may carry
 * control characters: a terminal would act on an escape sequence, a carriage return or a bidi
 * override in a plan, a log line or an error, and a CI log would show what was never written. Every
 * such character is shown as a `\u` escape instead. No project imports.
 */

/** C0 controls but tab and newline, DEL, C1 controls, bidi marks and overrides, line and paragraph separators. */
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** The same, and tab and newline too: for what must stay on one line (ids, names, a plan's headers). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `text` on one line with every control character shown as `\uXXXX` (newlines and tabs too). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** `text` with every control character but newline and tab shown as `\uXXXX` (multi-line messages, log output). */
export function escapeControlKeepingLines(text: string): string {
  return text.replace(UNSAFE_KEEPING_LINES, escaped);
}
