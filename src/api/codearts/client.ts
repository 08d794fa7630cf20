/**
 * Typed Huawei Cloud CodeArts Repo client (v4 remote-mirror operations + repository read),
 * node:http(s) + zod through the generic transport of src/api/http. Auth: `X-Auth-Token` with an IAM user token;
 * a 401 DEV.00000003/APIG.0301 renews the token once (single flight) and re-sends the call once.
 * Operations as the API reference pages name them (e.g.
 * https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html) and as the SDK lists them:
 * https://github.com/huaweicloud/huaweicloud-sdk-go-v3/blob/master/services/codeartsrepo/v4/codeArtsRepo_meta.go
 */
import { ApiError } from "../http/errors";
import { RateLimiter, sharedLimiter } from "../http/limiter";
import { ApiStats, ClientTuning, HttpTransport, RequestSpec } from "../http/transport";
import { DEFAULT_USER_AGENT } from "../version";
import { codeartsRepoEndpoint, iamEndpoint } from "./endpoints";
import {
  CodeArtsConfigError,
  GATEWAY_NOT_FOUND_HINT,
  isGatewayNotFound,
  isNoResourcePermission,
  isTokenExpired,
  parseCodeArtsErrorBody,
} from "./errors";
import { IamTokenProvider } from "./iam";
import {
  CodeArtsRepository,
  MirrorInfo,
  MirrorInfoSchema,
  MirrorSettings,
  MirrorSettingsResponse,
  StartSyncSettings,
  MirrorSettingsResponseSchema,
  RepositorySchema,
  ShowMirrorSchema,
  StartSyncResponseSchema,
} from "./schemas";

/** Tuning defaults here: retryBaseMs 2000 (Huawei suggests 2-5 s after APIG.0308), maxRetryWaitMs 60000. */
export interface CodeArtsClientOptions extends ClientTuning {
  /** CodeArts Repo base URL, e.g. `https://codehub-ext.cn-north-4.myhuaweicloud.com` (HW_CODEARTS_REPO_ENDPOINT). */
  endpoint: string;
  auth: IamTokenProvider;
  /** Reads run-time secrets such as a mirror's source credentials by variable name. @default process.env */
  readEnv?: (name: string) => string | undefined;
  /** What to check when CodeArts rejects the token (401/403). @default - names the HW_* credential variables */
  authHint?: string;
}

/** The variables behind IAM's credentials, as named in "check ..." hints. */
const credentialHint = (...names: string[]) =>
  `check ${names.slice(0, -1).join(", ")}${names.length > 1 ? " and " : ""}${names[names.length - 1]}`;
/** CH.080401: the token was accepted; the IAM user lacks a role on this repository. */
const NO_PERMISSION_HINT =
  "the credentials were accepted, but the IAM user has no permission on this repository: " +
  "make it a member of the repository (or its project) with a role that may manage mirrors";
const DEFAULT_AUTH_HINT = credentialHint("HW_DOMAIN_NAME", "HW_USER_NAME", "HW_USER_PASSWORD") + " (or HW_AUTH_TOKEN)";

/**
 * Start-sync input: username and password in plain text (the client base64-encodes them,
 * docs/api/codearts-repo.md#start-synchronization), the other fields as the API names them.
 */
export type StartSyncRequest = { username?: string; password?: string } & StartSyncSettings;

const MAX_REPOSITORY_ID = 2_147_483_647;

export class CodeArtsClient {
  readonly endpoint: string;
  readonly auth: IamTokenProvider;
  readonly stats: ApiStats;
  private readonly transport: HttpTransport;
  private readonly readEnv: (name: string) => string | undefined;

  constructor(opts: CodeArtsClientOptions) {
    this.endpoint = validateUrl(
      opts.endpoint,
      "HW_CODEARTS_REPO_ENDPOINT",
      "https://codehub-ext.cn-north-4.myhuaweicloud.com",
    );
    this.auth = opts.auth;
    this.readEnv = opts.readEnv ?? ((name) => process.env[name]);
    this.transport = new HttpTransport({
      baseUrl: this.endpoint,
      limiter: opts.limiter ?? sharedLimiter(`codearts ${new URL(this.endpoint).origin}`),
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      headers: async () => ({ "X-Auth-Token": await this.auth.token() }),
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      maxRetries: opts.maxRetries,
      maxUnreachableRetries: opts.maxUnreachableRetries,
      retryBaseMs: opts.retryBaseMs ?? 2000,
      maxRetryWaitMs: opts.maxRetryWaitMs ?? 60_000,
      onEvent: opts.onEvent,
      parseErrorBody: parseCodeArtsErrorBody,
      unreachableHint: "check HW_CODEARTS_REPO_ENDPOINT (or the CodeArtsConnection's endpoint) and your network",
      authHint: opts.authHint ?? DEFAULT_AUTH_HINT,
      secrets: () => this.auth.secrets(),
      now: opts.now,
      sleep: opts.sleep,
    });
    this.stats = this.transport.stats;
  }

  /**
   * Builds a client from the terraform-provider-huaweicloud variables: HW_REGION_NAME, HW_DOMAIN_NAME,
   * HW_USER_NAME, HW_USER_PASSWORD, HW_PROJECT_NAME (default: the region) or HW_PROJECT_ID, or a
   * ready HW_AUTH_TOKEN; endpoint overrides HW_AUTH_URL and HW_CODEARTS_REPO_ENDPOINT; HW_CLOUD;
   * HW_MAX_RETRIES. `ref` (from a CodeArtsConnection) overrides values and variable names.
   */
  static fromEnv(
    env: NodeJS.ProcessEnv = process.env,
    ref: CodeArtsEnvRef = {},
    opts: Partial<CodeArtsClientOptions> = {},
  ): CodeArtsClient {
    const get = (name: string) => env[name]?.trim() || undefined;
    const region = ref.region ?? get("HW_REGION_NAME");
    const cloud = get("HW_CLOUD");
    const endpoint =
      ref.endpoint ?? get("HW_CODEARTS_REPO_ENDPOINT") ?? (region && codeartsRepoEndpoint(region, cloud));
    if (!endpoint)
      throw new CodeArtsConfigError(
        "CodeArts Repo endpoint unknown: set HW_REGION_NAME (e.g. cn-north-4) or HW_CODEARTS_REPO_ENDPOINT",
      );
    const names = {
      token: ref.tokenEnv ?? "HW_AUTH_TOKEN",
      domain: ref.domainEnv ?? "HW_DOMAIN_NAME",
      user: ref.userEnv ?? "HW_USER_NAME",
      password: ref.passwordEnv ?? "HW_USER_PASSWORD",
    };
    const token = get(names.token);
    const [domainName, userName, password] = [get(names.domain), get(names.user), env[names.password]];
    const missing = [
      [names.domain, domainName],
      [names.user, userName],
      [names.password, password],
    ]
      .filter(([, v]) => !v)
      .map(([n]) => n);
    if (!token && missing.length) {
      throw new CodeArtsConfigError(
        `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set: ` +
          `export the IAM credentials (or a ready token as ${names.token}); ` +
          "they are read from the environment, never from the stack",
      );
    }
    const maxRetries = Number(get("HW_MAX_RETRIES"));
    const passwordNames = [names.domain, names.user, names.password];
    const auth = new IamTokenProvider({
      authUrl: ref.authUrl ?? get("HW_AUTH_URL") ?? iamEndpoint(region, cloud),
      token,
      password: missing.length
        ? undefined
        : {
            domainName: domainName!,
            userName: userName!,
            password: password!,
            projectName: ref.projectName ?? get("HW_PROJECT_NAME") ?? region,
            projectId: get("HW_PROJECT_ID"),
          },
      limiter: opts.limiter,
      maxRetries: opts.maxRetries ?? (Number.isInteger(maxRetries) ? maxRetries : undefined),
      retryBaseMs: opts.retryBaseMs,
      maxRetryWaitMs: opts.maxRetryWaitMs,
      timeoutMs: opts.timeoutMs,
      onEvent: opts.onEvent,
      now: opts.now,
      sleep: opts.sleep,
      authHint: credentialHint(...passwordNames),
    });
    // The token CodeArts rejects comes from the ready token when one is set, else from the password login.
    const authHint = credentialHint(
      ...(token ? [names.token, ...(missing.length ? [] : passwordNames)] : passwordNames),
    );
    return new CodeArtsClient({
      ...opts,
      authHint: opts.authHint ?? authHint,
      maxRetries: opts.maxRetries ?? (Number.isInteger(maxRetries) ? maxRetries : undefined),
      endpoint,
      auth,
      readEnv: opts.readEnv ?? ((n) => env[n]),
    });
  }

  /** A run-time secret by variable name (a mirror's source credentials), or undefined when unset. */
  envSecret(name: string): string | undefined {
    return this.readEnv(name);
  }

  /** `ShowRepository`: `GET /v4/repositories/{id}`. */
  async showRepository(repositoryId: number): Promise<CodeArtsRepository> {
    return this.call({
      operation: "ShowRepository",
      method: "GET",
      path: repoPath(repositoryId),
      subject: subject(repositoryId),
      schema: RepositorySchema,
    });
  }

  /**
   * `AssociateRemoteMirror`: `POST /v4/repositories/{id}/remote-mirror/associate {url}` → 201 MirrorInfo. Not retried.
   */
  async associateMirror(repositoryId: number, url: string): Promise<MirrorInfo> {
    return this.call({
      operation: "AssociateRemoteMirror",
      method: "POST",
      path: `${repoPath(repositoryId)}/remote-mirror/associate`,
      subject: subject(repositoryId),
      body: { url },
      schema: MirrorInfoSchema,
    });
  }

  /**
   * `ShowRemoteMirror`: `GET /v4/repositories/{id}/remote-mirror`. An empty body reads as a mirror
   * with no fields (see isEmptyMirror); what a 404 means is the caller's to tell.
   */
  async showMirror(repositoryId: number): Promise<MirrorInfo> {
    return this.call({
      operation: "ShowRemoteMirror",
      method: "GET",
      path: `${repoPath(repositoryId)}/remote-mirror`,
      subject: subject(repositoryId),
      schema: ShowMirrorSchema,
    });
  }

  /** `UpdateRepositoryRemoteMirror`: `PUT /v4/repositories/{id}/remote-mirror` (idempotent, retried). */
  async updateMirror(repositoryId: number, settings: MirrorSettings): Promise<MirrorSettingsResponse> {
    return this.call({
      operation: "UpdateRepositoryRemoteMirror",
      method: "PUT",
      path: `${repoPath(repositoryId)}/remote-mirror`,
      subject: subject(repositoryId),
      body: settings,
      schema: MirrorSettingsResponseSchema,
    });
  }

  /**
   * `StartRemoteMirrorSynchronization` (docs/api/codearts-repo.md#start-synchronization):
   * `POST /v4/repositories/{id}/remote-mirror` → `{jid}`. Not idempotent, so never
   * retried blindly (an ambiguous failure is marked `ambiguous`).
   */
  async startMirrorSync(repositoryId: number, req: StartSyncRequest = {}): Promise<{ jid?: string }> {
    const { username, password, ...settings } = req;
    const body: Record<string, unknown> = {};
    if (username !== undefined) body.username = base64(username);
    if (password !== undefined) body.password = base64(password);
    Object.assign(body, settings);
    const secrets = [
      req.username,
      req.password,
      body.username as string | undefined,
      body.password as string | undefined,
    ];
    return this.call({
      operation: "StartRemoteMirrorSynchronization",
      method: "POST",
      path: `${repoPath(repositoryId)}/remote-mirror`,
      subject: subject(repositoryId),
      body,
      schema: StartSyncResponseSchema,
      redact: secrets,
    });
  }

  /**
   * One call (see callRenewing). A 401 CH.080401 is not a credentials problem: its message says
   * what to grant, wherever it is shown (plan, apply, controller logs), next to the repository.
   * A gateway 404 says that the route, not the repository, is missing.
   */
  private async call<T>(spec: RequestSpec<T>): Promise<T> {
    try {
      return await this.callRenewing(spec);
    } catch (e) {
      if (isGatewayNotFound(e))
        throw retold(e, spec.subject, `${e.detail ?? e.code}; ${GATEWAY_NOT_FOUND_HINT}`, e.authHint);
      if (!isNoResourcePermission(e)) throw e;
      throw retold(e, spec.subject, `${e.detail ?? e.code}; ${NO_PERMISSION_HINT}`, NO_PERMISSION_HINT);
    }
  }

  /** One call; on an expired token, one renewal (shared by concurrent callers) and one more attempt. */
  private async callRenewing<T>(spec: RequestSpec<T>): Promise<T> {
    const used = await this.auth.token();
    try {
      return (await this.transport.request(spec)).data;
    } catch (e) {
      if (!isTokenExpired(e)) throw e;
      await this.auth.renew(used);
      try {
        return (await this.transport.request(spec)).data;
      } catch (again) {
        if (!isTokenExpired(again)) throw again;
        throw retold(
          again,
          spec.subject,
          `${again.detail ?? ""} (still rejected after renewing the IAM token once)`.trim(),
          again.authHint,
        );
      }
    }
  }
}

/** The same API error (class, status, code, fields) told with another detail and hint. */
function retold(e: ApiError, subject: string | undefined, detail: string, authHint: string | undefined): ApiError {
  const Cls = e.constructor as typeof ApiError;
  const { operation, method, path, status, code, fields } = e;
  return new Cls({ operation, method, path, status, code, fields, subject, detail, authHint });
}

/** Overrides of the environment from a CodeArtsConnection: values, and names of the variables holding secrets. */
export interface CodeArtsEnvRef {
  region?: string;
  /** IAM v3 base URL. */
  authUrl?: string;
  /** CodeArts Repo base URL. */
  endpoint?: string;
  projectName?: string;
  domainEnv?: string;
  userEnv?: string;
  passwordEnv?: string;
  tokenEnv?: string;
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function repoPath(repositoryId: number): string {
  if (!Number.isInteger(repositoryId) || repositoryId < 1 || repositoryId > MAX_REPOSITORY_ID) {
    throw new CodeArtsConfigError(
      `CodeArts repository id must be a whole number from 1 to ${MAX_REPOSITORY_ID} (got ${repositoryId})`,
    );
  }
  return `/v4/repositories/${repositoryId}`;
}

const subject = (repositoryId: number) => `CodeArts repository ${repositoryId}`;

function validateUrl(raw: string, envName: string, example: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CodeArtsConfigError(`Invalid CodeArts URL: set ${envName} to a full URL such as ${example}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new CodeArtsConfigError(
      `Invalid CodeArts URL protocol ${url.protocol}: use https:// (or http:// for a local emulator)`,
    );
  return raw.trim().replace(/\/+$/, "");
}
