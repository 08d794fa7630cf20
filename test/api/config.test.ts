import { CloudsmithClient, CloudsmithConfigError, DEFAULT_CLOUDSMITH_API_URL } from "../../src/api/cloudsmith";
import { joinUrl } from "../../src/api/http/url";
import { API_KEY, startServer } from "./helpers";

describe("Cloudsmith client configuration", () => {
  it.each([
    {
      reason: "base without slash",
      base: "https://api.cloudsmith.io/v1",
      path: "/entitlements/a/b/",
      want: "https://api.cloudsmith.io/v1/entitlements/a/b/",
    },
    {
      reason: "base with slash",
      base: "https://api.cloudsmith.io/v1/",
      path: "/entitlements/a/b/",
      want: "https://api.cloudsmith.io/v1/entitlements/a/b/",
    },
    {
      reason: "root base with slash",
      base: "https://api.cloudsmith.io/",
      path: "/user/self/",
      want: "https://api.cloudsmith.io/user/self/",
    },
    { reason: "many slashes", base: "http://127.0.0.1:1//", path: "//x/", want: "http://127.0.0.1:1/x/" },
  ])("joins URLs without '//' ($reason)", ({ base, path, want }) => {
    expect(joinUrl(base, path)).toBe(want);
  });

  it("joins a base URL with a trailing slash without '//' on the wire", async () => {
    const server = await startServer(() => ({ status: 200, body: { authenticated: true } }));
    try {
      const client = CloudsmithClient.fromEnv({ CLOUDSMITH_API_URL: `${server.url}/v1/`, CLOUDSMITH_API_KEY: API_KEY });
      await client.userSelf();
      expect(server.requests[0].url).toBe("/v1/user/self/");
    } finally {
      await server.close();
    }
  });

  it("throws CloudsmithConfigError when CLOUDSMITH_API_KEY is missing", () => {
    expect(() => CloudsmithClient.fromEnv({})).toThrow(CloudsmithConfigError);
    expect(() => CloudsmithClient.fromEnv({ CLOUDSMITH_API_KEY: "  " })).toThrow(/set CLOUDSMITH_API_KEY/);
    let message = "";
    try {
      CloudsmithClient.fromEnv({});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("\n")).toHaveLength(1);
  });

  it("defaults to the public v1 API", () => {
    expect(CloudsmithClient.fromEnv({ CLOUDSMITH_API_KEY: "k" }).baseUrl).toBe(DEFAULT_CLOUDSMITH_API_URL);
    expect(DEFAULT_CLOUDSMITH_API_URL).toBe("https://api.cloudsmith.io/v1");
  });

  it("rejects a malformed base URL without echoing it", () => {
    expect(() => new CloudsmithClient({ baseUrl: "not a url secret", apiKey: "k" })).toThrow(CloudsmithConfigError);
    expect(() => new CloudsmithClient({ baseUrl: "not a url secret", apiKey: "k" })).not.toThrow(/secret/);
  });
});
