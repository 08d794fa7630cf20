/**
 * What an entitlements sync is documented to carry, and how a source's and a target's token sets
 * compare. The documentation says only that the target's tokens are replaced by the source's:
 * "Synchronise tokens from a source repository"
 * (https://docs.cloudsmith.com/api/entitlements/sync) and "This will DELETE ALL of the existing
 * entitlements in the repository and replace them with entitlements from the source repository"
 * (`cloudsmith entitlements sync`,
 * https://github.com/cloudsmith-io/cloudsmith-cli/blob/14c715ed478638733c2044dc864117c9d26a9326/cloudsmith_cli/cli/commands/entitlements.py);
 * "user-based tokens are now copied too" (https://help.cloudsmith.io/changelog/v026x).
 * We read "the source's entitlements" as each token by name with the settings that decide what it
 * grants (active, EULA, limits, reset period). Whether a copy keeps the repository-level `default`
 * flag, the free-form `metadata`, private broadcasts or the secret is not said: those are never
 * compared, only reported after a sync of ours when they differ.
 */
import { canonicalJson } from "../util/canonical";
import { TOKEN_FIELDS } from "./entitlement-token-spec";
import type { ListedToken } from "./entitlement-token-lookup";

/**
 * Not documented either way (the token table's `sync: "undocumented"`, and the repository's
 * `default` flag): checked once right after a sync of ours, never compared for drift.
 */
const SYNC_UNDOCUMENTED: readonly string[] = ["default", ...TOKEN_FIELDS.synced("undocumented")];

/**
 * Compared for drift: what the documentation says a sync carries beyond the token's name (which
 * keys the comparison): the fields that decide what a token grants (the table's `sync: "carried"`).
 */
const SYNC_CARRIED: readonly string[] = TOKEN_FIELDS.synced("carried");

/** A token field as compared: as the token table normalises it (dates as instants, blank as null, ...). */
function valueOf(t: ListedToken, field: string): unknown {
  return TOKEN_FIELDS.normalized(field, t);
}

/** A compact, non-secret description of a token's `fields`. */
function describe(t: ListedToken, fields: readonly string[]): string {
  const d: Record<string, unknown> = {};
  for (const f of fields) {
    const v = valueOf(t, f);
    if (v !== null && v !== false) d[f] = v;
  }
  return canonicalJson(d);
}

/** The tokens of a set by name, each name's tokens in list order (more than one only where names repeat). */
function byName(tokens: readonly ListedToken[]): Map<string, ListedToken[]> {
  const out = new Map<string, ListedToken[]>();
  for (const t of tokens) {
    const same = out.get(String(t.name));
    if (same) same.push(t);
    else out.set(String(t.name), [t]);
  }
  return out;
}

/**
 * name → description of that name's tokens, for comparing two repositories' sets: a token's
 * description, or where names repeat (older repositories, docs/api/cloudsmith.md#entitlement-actions)
 * the sorted list of all of them, so that two tokens of one name never collapse into one and a
 * second "ci" missing from the target is a difference.
 */
export function describeSet(tokens: readonly ListedToken[], fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, same] of byName(tokens))
    out[name] =
      same.length === 1 ? describe(same[0], fields) : JSON.stringify(same.map((t) => describe(t, fields)).sort());
  return out;
}

/** The carried fields still compared, given what earlier syncs of ours were seen not to carry. */
export function comparedFields(notCarried: readonly string[]): string[] {
  return SYNC_CARRIED.filter((f) => !notCarried.includes(f));
}

/**
 * What differs between the source and the target right after a sync of ours: each field (carried
 * or undocumented) that differs for some token of both, and `tokens["name"]` for a token only one
 * of them has; with one example of each for the message.
 */
export function differencesAfterSync(
  source: readonly ListedToken[],
  target: readonly ListedToken[],
): { what: string; example: string }[] {
  const all = [...SYNC_CARRIED, ...SYNC_UNDOCUMENTED];
  const inTarget = byName(target);
  const inSource = byName(source);
  const found = new Map<string, string>();
  for (const [name, ss] of inSource) {
    const ts = inTarget.get(name);
    if (!ts) {
      found.set(`tokens["${name}"]`, "missing from the target");
      continue;
    }
    if (ts.length !== ss.length) {
      found.set(`tokens["${name}"]`, `${ss.length} in the source, ${ts.length} in the target`);
      continue;
    }
    // Where names repeat, the tokens of a name are paired in the order of their full descriptions.
    const order = (list: ListedToken[]) => [...list].sort((a, b) => describe(a, all).localeCompare(describe(b, all)));
    const [so, to] = [order(ss), order(ts)];
    so.forEach((s, i) => {
      for (const f of all) {
        if (!found.has(f) && canonicalJson(valueOf(s, f)) !== canonicalJson(valueOf(to[i], f)))
          found.set(f, `token "${name}"`);
      }
    });
  }
  for (const name of inTarget.keys()) if (!inSource.has(name)) found.set(`tokens["${name}"]`, "kept in the target");
  return [...found].map(([what, example]) => ({ what, example }));
}
