/**
 * Which environment variables hold reposmith's secrets, so that a child that needs none (the app at
 * synth) does not get them and a log never shows their values. No project imports.
 *
 * A secret is named three ways: by convention (CLOUDSMITH_API_KEY, the HW_* variables, any name
 * with KEY, SECRET, TOKEN, PASSWORD, PASSWD or CREDENTIAL in it), by a construct (every
 * `Secret.fromEnv("NAME")` is synthesized as a variable name under a key ending in `Env`, e.g.
 * `apiKeyEnv`, `passwordEnv`, `usernameEnv`), or by its value (a URL carrying a password, such as a
 * PostgreSQL state location).
 */

/** Names that hold a secret by convention. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a variable holds one of reposmith's secrets by its name alone. */
export function isSecretName(name: string): boolean {
  return name === "CLOUDSMITH_API_KEY" || name.startsWith("HW_") || SECRET_NAME.test(name);
}

/** Whether a value is a URL with a password in it (`scheme://user:password@host`). */
export function hasUrlPassword(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value.trim());
}

/**
 * Every variable name a synthesized value names as a secret: the string values of keys ending in
 * `Env` and of `fromEnv` keys, anywhere inside `value`, including inside strings that hold JSON (a
 * hook resource carries its spec and connection as JSON text).
 */
export function envNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === "string") {
      const t = v.trim();
      if (t.startsWith("{") || t.startsWith("[")) {
        try {
          walk(JSON.parse(t), depth + 1);
        } catch {
          /* not JSON: nothing named */
        }
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (v === null || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
      if ((k.endsWith("Env") || k === "fromEnv") && typeof x === "string" && ENV_NAME.test(x)) names.add(x);
      else walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return [...names];
}

/** The values of `env` that are secrets: by name (isSecretName or `named`) or by value (hasUrlPassword). */
export function secretValues(env: NodeJS.ProcessEnv, named: readonly string[] = []): string[] {
  const also = new Set(named);
  return Object.entries(env)
    .filter(([k, v]) => typeof v === "string" && v !== "" && (isSecretName(k) || also.has(k) || hasUrlPassword(v)))
    .map(([, v]) => v as string);
}

/** `env` without reposmith's secrets (see secretValues): what a child that needs none is given. */
export function withoutSecrets(env: NodeJS.ProcessEnv, named: readonly string[] = []): NodeJS.ProcessEnv {
  const also = new Set(named);
  return Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => !(isSecretName(k) || also.has(k) || (typeof v === "string" && hasUrlPassword(v))),
    ),
  );
}
