import { Testing, TerraformStack } from "cdktf";
import { hookConnection, thrown } from "../helpers/synth";
import { CodeArtsConnection, RepositoryMirror } from "../../src";

const stack = () => new TerraformStack(Testing.app(), "s1");

describe("CodeArtsConnection URLs", () => {
  it("synthesizes authUrl and endpoint as given (trailing slashes dropped)", () => {
    const s = stack();
    new CodeArtsConnection(s, "codearts", { authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3/", endpoint: "http://127.0.0.1:9000" });
    new RepositoryMirror(s, "m", { repositoryId: 1, sourceUrl: "https://git.example.com/app.git" });
    expect(hookConnection(s, "s1/m")).toEqual({ codearts: { authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3", endpoint: "http://127.0.0.1:9000" } });
  });

  // These used to be accepted and written as they were into cdk.tf.json.
  const cases: { reason: string; props: { authUrl?: string; endpoint?: string }; secret: string; want: RegExp }[] = [
    {
      reason: "user:password@ in authUrl",
      props: { authUrl: "https://svc:AuthUrlPw-88@iam.cn-north-4.myhuaweicloud.com/v3" },
      secret: "AuthUrlPw-88",
      want: /^CodeArtsConnection at "s1\/codearts": authUrl must not contain credentials \(user:password@ or token@ before the host\) \(got "https:\/\/\*\*\*@iam\.cn-north-4\.myhuaweicloud\.com\/v3"\); give IAM credentials as userName, password or token Secret references such as Secret\.fromEnv\("HW_USER_PASSWORD"\)/,
    },
    { reason: "user:password@ in endpoint", props: { endpoint: "https://svc:EndpointPw-55@codehub-ext.cn-north-4.myhuaweicloud.com" }, secret: "EndpointPw-55", want: /endpoint must not contain credentials .*\(got "https:\/\/\*\*\*@codehub-ext\.cn-north-4\.myhuaweicloud\.com"\)/ },
    { reason: "a signed-URL query in endpoint", props: { endpoint: "https://codehub-ext.cn-north-4.myhuaweicloud.com/?X-Amz-Signature=SigValue-33" }, secret: "SigValue-33", want: /endpoint must not carry credentials in its query string \("x-amz-signature"\)/ },
    { reason: "a token query in authUrl", props: { authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3?token=IamTok-22" }, secret: "IamTok-22", want: /authUrl must not carry credentials in its query string \("token"\)/ },
  ];
  it.each(cases)("rejects $reason at synth time without echoing it", ({ props, secret, want }) => {
    const message = thrown(() => new CodeArtsConnection(stack(), "codearts", props));
    expect(message).toMatch(want);
    expect(message).not.toContain(secret);
  });
});
