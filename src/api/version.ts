import { version } from "../../package.json";

/** reposmith's version, for User-Agent headers. */
export const REPOSMITH_VERSION: string = version;
export const DEFAULT_USER_AGENT = `reposmith/${version}`;
