import { credentialParams, redactUrls } from "../../src/util/url-credentials";

describe("redactUrls", () => {
  const cases: { reason: string; text: string; want: string }[] = [
    {
      reason: "user and password",
      text: 'got "https://bob:hunter2@git.example.com/app.git"',
      want: 'got "https://***@git.example.com/app.git"',
    },
    { reason: "a token as the user", text: "https://ghp_x1y2@github.com/a.git", want: "https://***@github.com/a.git" },
    { reason: "a password holding @ and /", text: "https://bob:p@ss/w@host/a.git", want: "https://***@host/a.git" },
    {
      reason: "a query string and fragment",
      text: "see https://host/a.git?private_token=abc#x and more",
      want: "see https://host/a.git?*** and more",
    },
    {
      reason: "several URLs in one line",
      text: "http://a:b@h1/x, ssh://git:c@h2/y",
      want: "http://***@h1/x, ssh://***@h2/y",
    },
    {
      reason: "a URL without credentials (unchanged)",
      text: 'such as "https://api.cloudsmith.io/v1"',
      want: 'such as "https://api.cloudsmith.io/v1"',
    },
    { reason: "text without URLs (unchanged)", text: "tag:release AND name:foo@1", want: "tag:release AND name:foo@1" },
  ];
  it.each(cases)("masks $reason", ({ text, want }) => expect(redactUrls(text)).toBe(want));

  it("is stable when applied twice", () => {
    const once = redactUrls("https://bob:pw@h/x?token=t");
    expect(redactUrls(once)).toBe(once);
  });
});

describe("credentialParams", () => {
  it("names well-known credential parameters, case-insensitively and encoded, never their values", () => {
    expect(credentialParams("?ref=main&Private_Token=v1&X-Amz-Signature=v2&api%5Fkey=v3")).toEqual([
      "private_token",
      "x-amz-signature",
      "api_key",
    ]);
    expect(credentialParams("?ref=main&page=2")).toEqual([]);
  });
});
