/** Resource keys: `<stack>/<construct path>`, as state and the CLI name resources. */

export class StateEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateEntryError";
  }
}

/** `<stack>/<path>` → stack name. */
export function stackOfKey(key: string): string {
  const i = key.indexOf("/");
  if (i <= 0 || i === key.length - 1)
    throw new StateEntryError(
      `"${key}" is not a resource key: expected <stack>/<construct path>, e.g. ` +
        `quickstart/ci (see "reposmith state list")`,
    );
  return key.slice(0, i);
}
