import { Construct, type IConstruct } from "constructs";
import type { CodeArtsConnectionRef, ConnectionRef } from "../resources/types";
import { ValidationError } from "./errors";
import { ensureRunner, nearest } from "./hook";
import { refuseRefs } from "./references";
import { credentialsHint, mustBeBoolean, secretRequired } from "./messages";
import { Secret } from "./secret";
import { urlProblem, type UrlUse } from "../util/url-credentials";
import {
  MIRRORING_ENABLED_READINGS,
  readingFromInverted,
  type MirroringEnabledReading,
} from "../resources/mirroring-enabled";

export interface CodeArtsConnectionProps {
  /** Huawei Cloud region, e.g. `cn-north-4`. @default - HW_REGION_NAME at run time */
  readonly region?: string;
  /** IAM v3 base URL (synthesized as written: no credentials, query string or fragment). @default - HW_AUTH_URL at run time, else https://iam.{region}.myhuaweicloud.com/v3 */
  readonly authUrl?: string;
  /**
   * CodeArts Repo base URL (synthesized as written: no credentials, query string or fragment).
   * @default - HW_CODEARTS_REPO_ENDPOINT at run time, else the region's host
   */
  readonly endpoint?: string;
  /** Project the IAM token is scoped to. @default - HW_PROJECT_NAME at run time, else the region */
  readonly projectName?: string;
  /** Account (domain) name. @default Secret.fromEnv("HW_DOMAIN_NAME") */
  readonly domainName?: Secret;
  /** IAM user name. @default Secret.fromEnv("HW_USER_NAME") */
  readonly userName?: Secret;
  /** IAM user password. @default Secret.fromEnv("HW_USER_PASSWORD") */
  readonly password?: Secret;
  /**
   * A ready IAM token (used before password authentication, renewed by it when it expires).
   * @default Secret.fromEnv("HW_AUTH_TOKEN")
   */
  readonly token?: Secret;
  /**
   * What the API's `mirroring_enabled: true` means. CodeArts' update API documents it as "scheduled
   * synchronization is NOT enabled" (value range of the request and response,
   * https://support.huaweicloud.com/api-codeartsrepo/UpdateRepositoryRemoteMirror.html, and the SDK model
   * https://github.com/huaweicloud/huaweicloud-sdk-go-v3/blob/master/services/codeartsrepo/v4/model/model_remote_mirror_update_body.go),
   * while the field's name says the opposite; which one the service implements is unconfirmed.
   * `"true-means-on"` follows the name. `scheduledSync` on each mirror keeps its plain meaning
   * either way, and every plan that switches scheduled sync (destroy, a replaced repositoryId
   * included) says which value it sends under which reading.
   * @default "true-means-off" (the update API's documentation)
   */
  readonly mirroringEnabledReading?: MirroringEnabledReading;
  /**
   * @deprecated use mirroringEnabledReading: `true` is `"true-means-off"`, `false` is `"true-means-on"`.
   * @default - mirroringEnabledReading's default
   */
  readonly mirroringEnabledInverted?: boolean;
}

/** The environment variable a Secret prop is usually read from, as terraform-provider-huaweicloud names them. */
const HW_ENV = {
  domainName: "HW_DOMAIN_NAME",
  userName: "HW_USER_NAME",
  password: "HW_USER_PASSWORD",
  token: "HW_AUTH_TOKEN",
} as const;

/** Both URLs are written into the synthesized stack, so neither may carry a credential. */
const IAM_CREDENTIALS_HINT = credentialsHint(
  'IAM credentials as userName, password or token Secret references such as Secret.fromEnv("HW_USER_PASSWORD")',
);
const URLS: Record<"authUrl" | "endpoint", UrlUse> = {
  authUrl: {
    field: "authUrl",
    kind: "base",
    example: "https://iam.cn-north-4.myhuaweicloud.com/v3",
    credentialsHint: IAM_CREDENTIALS_HINT,
  },
  endpoint: {
    field: "endpoint",
    kind: "base",
    example: "https://codehub-ext.cn-north-4.myhuaweicloud.com",
    credentialsHint: IAM_CREDENTIALS_HINT,
  },
};

/**
 * How the CodeArts Repo resources below a scope reach Huawei Cloud. Optional: without one, they use
 * the HW_* environment variables terraform-provider-huaweicloud uses. Only URLs and variable names
 * are synthesized; credentials are read at run time.
 */
export class CodeArtsConnection extends Construct {
  /** The nearest connection declared in `scope` or any scope above it. */
  static of(scope: IConstruct): CodeArtsConnection | undefined {
    return nearest(scope, CodeArtsConnection);
  }

  readonly ref: ConnectionRef;

  constructor(scope: Construct, id: string, props: CodeArtsConnectionProps = {}) {
    super(scope, id);
    refuseRefs(this, "CodeArtsConnection", props);
    const problems: string[] = [];
    for (const k of ["authUrl", "endpoint"] as const) {
      const v = props[k];
      const problem = v === undefined ? undefined : urlProblem(v, URLS[k]);
      if (problem) problems.push(problem);
    }
    if (
      props.region !== undefined &&
      (typeof props.region !== "string" || !/^[a-z]{2,}-[a-z]+(-\d+)?$/.test(props.region))
    )
      problems.push(`region must be a Huawei Cloud region such as "cn-north-4" (got ${JSON.stringify(props.region)})`);
    for (const k of ["domainName", "userName", "password", "token"] as const) {
      const v = props[k];
      if (v !== undefined && !(v instanceof Secret)) problems.push(secretRequired([k], HW_ENV[k]));
    }
    const reading = mirroringEnabledReadingOf(props, problems);
    if (problems.length) throw new ValidationError(this, "CodeArtsConnection", problems);
    const ref: CodeArtsConnectionRef = {
      region: props.region,
      authUrl: props.authUrl?.replace(/\/+$/, ""),
      endpoint: props.endpoint?.replace(/\/+$/, ""),
      projectName: props.projectName,
      domainEnv: props.domainName?.envName,
      userEnv: props.userName?.envName,
      passwordEnv: props.password?.envName,
      tokenEnv: props.token?.envName,
      mirroringEnabledReading: reading,
    };
    for (const k of Object.keys(ref) as (keyof CodeArtsConnectionRef)[]) if (ref[k] === undefined) delete ref[k];
    this.ref = { codearts: ref };
    ensureRunner(this);
  }
}

/**
 * The reading the props ask for (the deprecated boolean converted),
 * or undefined for the default; problems are added to `problems`.
 */
function mirroringEnabledReadingOf(
  props: CodeArtsConnectionProps,
  problems: string[],
): MirroringEnabledReading | undefined {
  const { mirroringEnabledReading: named, mirroringEnabledInverted: inverted } = props;
  const choices = MIRRORING_ENABLED_READINGS.map((r) => JSON.stringify(r)).join(" or ");
  if (named !== undefined && !(MIRRORING_ENABLED_READINGS as readonly unknown[]).includes(named)) {
    problems.push(`mirroringEnabledReading must be ${choices} (got ${JSON.stringify(named)})`);
    return undefined;
  }
  if (inverted !== undefined && typeof inverted !== "boolean") {
    problems.push(`${mustBeBoolean("mirroringEnabledInverted")} (deprecated: use mirroringEnabledReading, ${choices})`);
    return undefined;
  }
  const fromInverted = inverted === undefined ? undefined : readingFromInverted(inverted);
  if (named !== undefined && fromInverted !== undefined && named !== fromInverted) {
    problems.push(
      `mirroringEnabledReading "${named}" and the deprecated mirroringEnabledInverted: ` +
        `${inverted} (= "${fromInverted}") disagree: keep only mirroringEnabledReading`,
    );
    return undefined;
  }
  return named ?? fromInverted;
}
