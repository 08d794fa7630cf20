import { Testing, TerraformStack } from "cdktf";
import { hookConnection, thrown } from "../helpers/synth";
import { CodeArtsConnection, RepositoryMirror } from "../../src";

const stack = () => new TerraformStack(Testing.app(), "s1");

describe("CodeArtsConnection URLs", () => {
  it("synthesizes authUrl and endpoint as given (trailing slashes dropped)", () => {
    const s = stack();
    new CodeArtsConnection(s, "codearts", {
      authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3/",
      endpoint: "http://127.0.0.1:9000",
    });
    new RepositoryMirror(s, "m", { repositoryId: 1, sourceUrl: "https://git.example.com/app.git" });
    expect(hookConnection(s, "s1/m")).toEqual({
      codearts: { authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3", endpoint: "http://127.0.0.1:9000" },
    });
  });

  // These used to be accepted and written as they were into cdk.tf.json.
  const cases: { reason: string; props: { authUrl?: string; endpoint?: string }; secret: string; want: RegExp }[] = [
    {
      reason: "user:password@ in authUrl",
      props: { authUrl: "https://svc:AuthUrlPw-88@iam.cn-north-4.myhuaweicloud.com/v3" },
      secret: "AuthUrlPw-88",
      want: /^CodeArtsConnection at "s1\/codearts": authUrl must not contain credentials \(user:password@ or token@ before the host\) \(got "https:\/\/\*\*\*@iam\.cn-north-4\.myhuaweicloud\.com\/v3"\); give IAM credentials as userName, password or token Secret references such as Secret\.fromEnv\("HW_USER_PASSWORD"\)/,
    },
    {
      reason: "user:password@ in endpoint",
      props: { endpoint: "https://svc:EndpointPw-55@codehub-ext.cn-north-4.myhuaweicloud.com" },
      secret: "EndpointPw-55",
      want: /endpoint must not contain credentials .*\(got "https:\/\/\*\*\*@codehub-ext\.cn-north-4\.myhuaweicloud\.com"\)/,
    },
    {
      reason: "a signed-URL query in endpoint",
      props: { endpoint: "https://codehub-ext.cn-north-4.myhuaweicloud.com/?X-Amz-Signature=SigValue-33" },
      secret: "SigValue-33",
      want: /endpoint must not carry credentials in its query string \("x-amz-signature"\)/,
    },
    {
      reason: "a token query in authUrl",
      props: { authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3?token=IamTok-22" },
      secret: "IamTok-22",
      want: /authUrl must not carry credentials in its query string \("token"\)/,
    },
  ];
  it.each(cases)("rejects $reason at synth time without echoing it", ({ props, secret, want }) => {
    const message = thrown(() => new CodeArtsConnection(stack(), "codearts", props));
    expect(message).toMatch(want);
    expect(message).not.toContain(secret);
  });
});

describe("CodeArtsConnection mirroringEnabledReading", () => {
  const synthOf = (props: Record<string, unknown>) => {
    const s = stack();
    new CodeArtsConnection(s, "codearts", props);
    new RepositoryMirror(s, "m", { repositoryId: 1, sourceUrl: "https://git.example.com/app.git" });
    return hookConnection(s, "s1/m");
  };

  const cases: { reason: string; props: Record<string, unknown>; want: unknown }[] = [
    {
      reason: "nothing set: nothing synthesized, the run time applies the documented default",
      props: {},
      want: { codearts: {} },
    },
    {
      reason: "the documented reading, named",
      props: { mirroringEnabledReading: "true-means-off" },
      want: { codearts: { mirroringEnabledReading: "true-means-off" } },
    },
    {
      reason: "the field name's reading, named",
      props: { mirroringEnabledReading: "true-means-on" },
      want: { codearts: { mirroringEnabledReading: "true-means-on" } },
    },
    {
      reason: "the deprecated mirroringEnabledInverted: true (the documented reading)",
      props: { mirroringEnabledInverted: true },
      want: { codearts: { mirroringEnabledReading: "true-means-off" } },
    },
    {
      reason: "the deprecated mirroringEnabledInverted: false (what it meant when left out)",
      props: { mirroringEnabledInverted: false },
      want: { codearts: { mirroringEnabledReading: "true-means-on" } },
    },
    {
      reason: "both, agreeing",
      props: { mirroringEnabledReading: "true-means-on", mirroringEnabledInverted: false },
      want: { codearts: { mirroringEnabledReading: "true-means-on" } },
    },
  ];
  it.each(cases)("synthesizes $reason", ({ props, want }) => {
    expect(synthOf(props)).toEqual(want);
  });

  const bad: { reason: string; props: Record<string, unknown>; want: RegExp }[] = [
    {
      reason: "an unknown reading",
      props: { mirroringEnabledReading: "inverted" },
      want: /mirroringEnabledReading must be "true-means-off" or "true-means-on" \(got "inverted"\)/,
    },
    {
      reason: "a non-boolean deprecated prop",
      props: { mirroringEnabledInverted: "yes" },
      want: /mirroringEnabledInverted must be true or false \(deprecated: use mirroringEnabledReading/,
    },
    {
      reason: "the two props disagreeing",
      props: { mirroringEnabledReading: "true-means-off", mirroringEnabledInverted: false },
      want: /mirroringEnabledReading "true-means-off" and the deprecated mirroringEnabledInverted: false \(= "true-means-on"\) disagree: keep only mirroringEnabledReading/,
    },
  ];
  it.each(bad)("rejects $reason, naming the prop", ({ props, want }) => {
    expect(thrown(() => new CodeArtsConnection(stack(), "codearts", props as never))).toMatch(want);
  });
});
