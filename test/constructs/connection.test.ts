import { Testing, TerraformStack } from "cdktf";
import { hookConnection, thrown } from "../helpers/synth";
import { CloudsmithConnection, EntitlementToken, Secret } from "../../src";

const stack = () => new TerraformStack(Testing.app(), "s1");

describe("CloudsmithConnection apiUrl", () => {
  it("synthesizes the base URL (trailing slashes dropped) and only the key's variable name", () => {
    const s = stack();
    new CloudsmithConnection(s, "cloudsmith", {
      apiUrl: "https://cloudsmith.internal:8443/v1/",
      apiKey: Secret.fromEnv("MY_KEY"),
    });
    new EntitlementToken(s, "tok", { owner: "acme", repository: "prod", name: "ci" });
    expect(hookConnection(s, "s1/tok")).toEqual({ apiUrl: "https://cloudsmith.internal:8443/v1", apiKeyEnv: "MY_KEY" });
  });

  // These used to be accepted and written as they were into cdk.tf.json.
  const cases: { reason: string; apiUrl: string; secret: string; want: RegExp }[] = [
    {
      reason: "user:password@ in the URL",
      apiUrl: "https://bob:ApiUrlPw-77@api.cloudsmith.io/v1",
      secret: "ApiUrlPw-77",
      want: /^CloudsmithConnection at "s1\/cloudsmith": apiUrl must not contain credentials \(user:password@ or token@ before the host\) \(got "https:\/\/\*\*\*@api\.cloudsmith\.io\/v1"\); give the API key as apiKey: Secret\.fromEnv\("CLOUDSMITH_API_KEY"\), read from the environment at run time$/,
    },
    {
      reason: "an api_key query parameter",
      apiUrl: "https://api.cloudsmith.io/v1?api_key=ApiQueryKey-66",
      secret: "ApiQueryKey-66",
      want: /apiUrl must not carry credentials in its query string \("api_key"\) \(got "https:\/\/api\.cloudsmith\.io\/v1\?\*\*\*"\); give the API key as apiKey: Secret\.fromEnv/,
    },
    {
      reason: "any other query string (paths are appended to the base)",
      apiUrl: "https://api.cloudsmith.io/v1?region=eu",
      secret: "region=eu",
      want: /apiUrl must not have a query string or fragment: operation paths are appended to it/,
    },
    {
      reason: "a URL that is not http(s), with a password",
      apiUrl: "ftp://bob:FtpPw-1234@api.cloudsmith.io",
      secret: "FtpPw-1234",
      want: /apiUrl must be an http:\/\/ or https:\/\/ URL such as "https:\/\/api\.cloudsmith\.io\/v1" \(got a URL starting "ftp:\/\/"\)/,
    },
  ];
  it.each(cases)("rejects $reason at synth time without echoing it", ({ apiUrl, secret, want }) => {
    const message = thrown(() => new CloudsmithConnection(stack(), "cloudsmith", { apiUrl }));
    expect(message).toMatch(want);
    expect(message).not.toContain(secret);
  });
});
