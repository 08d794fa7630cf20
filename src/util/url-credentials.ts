/**
 * URLs that users give (API base URLs, Git clone URLs) are written into the synthesized stack, and
 * the values of props echo into errors that land in CI logs. Both must stay free of credentials
 * (docs/architecture.md#secrets), so URL props are checked here and any URL we print is printed redacted.
 * No project imports: constructs and resources both use this.
 */

/**
 * Query parameters that carry credentials in the URLs of well-known services (GitLab private_token,
 * OAuth access_token, S3/GCS/Azure signed URLs, API keys), compared case-insensitively.
 */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = [
  "access_token",
  "api_key",
  "api-key",
  "apikey",
  "auth",
  "auth_token",
  "client_secret",
  "code",
  "credential",
  "credentials",
  "id_token",
  "jwt",
  "key",
  "pass",
  "passwd",
  "password",
  "private_token",
  "private-token",
  "pwd",
  "refresh_token",
  "secret",
  "session",
  "sig",
  "signature",
  "token",
  "x-amz-credential",
  "x-amz-security-token",
  "x-amz-signature",
  "x-goog-credential",
  "x-goog-signature",
];
const CREDENTIAL_PARAMS = new Set(CREDENTIAL_QUERY_PARAMS);

/**
 * The credential parameters a query string (with or without its "?" or "#") names, lower-cased; their
 * values are never returned.
 */
export function credentialParams(query: string): string[] {
  const names = query
    .replace(/^[?#]/, "")
    .split(/[&;]/)
    .map((pair) => {
      const name = pair.split("=")[0];
      try {
        return decodeURIComponent(name.replace(/\+/g, " ")).trim().toLowerCase();
      } catch {
        return name.trim().toLowerCase();
      }
    });
  return [...new Set(names.filter((n) => CREDENTIAL_PARAMS.has(n)))];
}

/**
 * Masks what may be a credential in any URL inside `text`: the user information before the host
 * (`https://***@host/…`) and everything after `?` or `#`. Over-masks rather than under-masks: this
 * is for error messages, where a hidden query costs nothing and a shown token leaks it.
 */
export function redactUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'`<>]*)/gi, (_m, scheme: string, rest: string) => {
    // Greedy up to the last "@": a password may itself hold "@" or "/".
    let out = rest.replace(/^\S*@/, "***@");
    out = out.replace(/([?#])[^\s]*/, "$1***");
    return scheme + out;
  });
}

/**
 * A base URL fit to print: scheme, host and path only, so user information (a password) and a
 * query string (a token) are left out, not masked. "(an invalid URL)" when it does not parse.
 */
export function withoutCredentials(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "(an invalid URL)";
  }
}

/** What a URL prop is for: names the field, shows an example, and says where credentials go instead. */
export interface UrlUse {
  /** The prop as the user wrote it, e.g. "sourceUrl" or "apiUrl". */
  readonly field: string;
  /** "git": a Git clone URL (CodeArts pulls it over HTTP(S)); "base": an API base URL that paths are appended to. */
  readonly kind: "git" | "base";
  /** A correct value, e.g. "https://git.example.com/app.git". */
  readonly example: string;
  /** Where the credentials belong instead, e.g. 'give the API key as apiKey: Secret.fromEnv("CLOUDSMITH_API_KEY")'. */
  readonly credentialsHint: string;
}

/** `git@host:path`, `host:path` or `ssh://…`: how Git spells SSH addresses. */
const SSH_URL = /^(?:(?:git\+)?ssh:\/\/|[^\s/:@]+@[^\s/:]+:|[^\s/:@.]+\.[^\s/:@]+:(?!\/\/|\d+(?:\/|$)))/i;

/**
 * Why `value` is not acceptable for `use`, as one message naming the field, what is wrong and the
 * fix, or undefined when it is fine. A message never contains a credential: a URL it quotes is
 * redacted (user information and query masked), and a value that does not parse as a URL is only
 * quoted when it has no "@" (so no password can ride along).
 */
export function urlProblem(value: unknown, use: UrlUse): string | undefined {
  const { field, example } = use;
  const expected = `${field} must be an http:// or https:// URL such as "${example}"`;
  if (typeof value !== "string") return `${expected} (got ${value === null ? "null" : typeof value})`;
  const trimmed = value.trim();
  if (use.kind === "git" && SSH_URL.test(trimmed)) {
    return `${field} must be an http:// or https:// URL (got an SSH URL); CodeArts mirrors pull over HTTP(S) only, so use the repository's HTTPS clone address, e.g. "${example}"`;
  }
  let url: URL | undefined;
  try {
    url = /^https?:\/\/[^\s]+$/i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
    const got =
      scheme && !/^https?$/i.test(scheme)
        ? `a URL starting "${scheme.toLowerCase()}://"`
        : value.includes("@")
          ? "a value that is not a URL"
          : JSON.stringify(value);
    return `${expected} (got ${got})`;
  }
  if (url.username !== "" || url.password !== "") {
    return (
      `${field} must not contain credentials (user:password@ or token@ before the host) ` +
      `(got ${JSON.stringify(redactUrls(value))}); ${use.credentialsHint}`
    );
  }
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(value)) {
    const got = JSON.stringify(redactUrls(value));
    const params = [...credentialParams(url.search), ...credentialParams(url.hash)];
    if (params.length) {
      const named = params.map((p) => `"${p}"`).join(", ");
      return `${field} must not carry credentials in its query string (${named}) (got ${got}); ${use.credentialsHint}`;
    }
    const why =
      use.kind === "git"
        ? "a Git clone URL has none (Git appends its own /info/refs?service=…)"
        : "operation paths are appended to it";
    return `${field} must not have a query string or fragment: ${why} (got ${got})`;
  }
  return undefined;
}
