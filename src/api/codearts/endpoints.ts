/**
 * Regional hosts of CodeArts Repo and IAM (docs/api/codearts-repo.md#hosts). Three host patterns exist, so
 * known regions come from a table and `codehub-ext.{region}.{cloud}` is only the fallback.
 */

const CODEHUB_EXT = [
  "cn-north-1",
  "cn-north-4",
  "cn-east-2",
  "cn-east-3",
  "cn-south-1",
  "cn-south-2",
  "cn-southwest-2",
  "ap-southeast-3",
  "sa-brazil-1",
  "la-north-2",
];
// eu-west-101 is listed by no endpoint page or SDK region table (unverified, docs/api/codearts-repo.md#hosts);
// set HW_CODEARTS_REPO_ENDPOINT there if this guess is wrong.
const CODEARTSREPO_EXT = ["la-south-2", "tr-west-1", "eu-west-101"];
const REPO = ["me-east-1", "af-south-1", "af-north-1"];

const DEFAULT_HW_CLOUD = "myhuaweicloud.com";

/** The CodeArts Repo base URL of `region` (`HW_CLOUD` domain suffix, default myhuaweicloud.com). */
export function codeartsRepoEndpoint(region: string, cloud: string = DEFAULT_HW_CLOUD): string {
  if (CODEARTSREPO_EXT.includes(region)) return `https://codeartsrepo-ext.${region}.${cloud}`;
  if (REPO.includes(region)) return `https://repo.${region}.${cloud}`;
  if (CODEHUB_EXT.includes(region)) return `https://codehub-ext.${region}.${cloud}`;
  return `https://codehub-ext.${region}.${cloud}`; // unknown region: the common pattern [U]
}

/** The IAM v3 base URL, as terraform-provider-huaweicloud builds it when HW_AUTH_URL is not set. */
export function iamEndpoint(region: string | undefined, cloud: string = DEFAULT_HW_CLOUD): string {
  return region ? `https://iam.${region}.${cloud}/v3` : `https://iam.${cloud}/v3`;
}
