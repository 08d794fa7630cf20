import { malformedProblem } from "../../src/api/http";
import { inspect } from "node:util";
import {
  ApiError,
  ApiEvent,
  AuthError,
  isNotFound,
  isRejected,
  NotFoundError,
  ResponseShapeError,
  ValidationError,
} from "../../src/api/cloudsmith";
import { flattenFieldErrors } from "../../src/api/http/errors";
import { API_KEY, catchError, makeClient, startServer, TestServer, token } from "./helpers";

describe("isRejected", () => {
  const error = (status: number) =>
    new ApiError({ operation: "entitlements_create", method: "POST", path: "/entitlements/acme/prod/", status });
  it.each([
    { reason: "422: Cloudsmith's documented status for field errors", status: 422, want: true },
    { reason: "400: the spec's other ErrorDetail status (a body it cannot parse)", status: 400, want: true },
    { reason: "404 is a missing object, not a rejected request", status: 404, want: false },
    { reason: "409 is a conflict, not a rejected request", status: 409, want: false },
  ])("$reason", ({ status, want }) => {
    expect(isRejected(error(status))).toBe(want);
  });

  it("holds for the client's own 422 ValidationError with its fields", async () => {
    const server = await startServer(() => ({
      status: 422,
      body: {
        detail: "Invalid input.",
        fields: { name: ["A token with this name already exists in this repository."] },
      },
    }));
    try {
      const e = await catchError(() => makeClient(server).entitlements.create("acme", "prod", { name: "ci" }));
      expect(isRejected(e) && e.fields.name).toEqual(["A token with this name already exists in this repository."]);
    } finally {
      await server.close();
    }
  });
});

describe("Cloudsmith client errors", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("surfaces detail and documented field errors ({detail, fields: {f: [..]}})", async () => {
    server = await startServer(() => ({
      status: 422,
      body: {
        detail: "Invalid input.",
        fields: { name: ["This field is required."], token: ["Too short.", "Bad chars."] },
      },
    }));
    const e = await catchError(() => makeClient(server!).entitlements.create("acme", "prod", { name: "" }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.status).toBe(422);
    expect(e.operation).toBe("entitlements_create");
    expect(e.method).toBe("POST");
    expect(e.path).toBe("/entitlements/acme/prod/");
    expect(e.detail).toBe("Invalid input.");
    expect(e.fields).toEqual({ name: ["This field is required."], token: ["Too short.", "Bad chars."] });
    expect(e.ambiguous).toBe(false);
    expect(e.message).toContain("entitlements_create acme/prod");
    expect(e.message).toContain("422 Invalid input.");
    expect(e.message).toContain("name: This field is required.");
    expect(e.message).not.toContain("\n");
  });

  it("surfaces the loose shape ({code, detail, fields: {f: {detail}}})", async () => {
    server = await startServer(() => ({
      status: 422,
      body: {
        code: "invalid",
        detail: "Invalid input.",
        fields: { privileges: { detail: "Invalid team(s) specified [x]" } },
      },
    }));
    const e = await catchError(() => makeClient(server!).entitlements.update("acme", "prod", "sp1", { name: "n" }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.code).toBe("invalid");
    expect(e.fields).toEqual({ privileges: ["Invalid team(s) specified [x]"] });
    expect(e.message).toBe(
      "entitlements_partial_update acme/prod/sp1: 422 Invalid input. (privileges: Invalid team(s) specified [x])",
    );
  });

  it("flattens nested and mixed field errors", () => {
    expect(
      flattenFieldErrors({ a: "one", b: ["x", { detail: "y" }], c: { inner: ["z"] }, d: null, e: { message: "m" } }),
    ).toEqual({ a: ["one"], b: ["x", "y"], c: ["inner: z"], e: ["m"] });
  });

  it("maps 404 to NotFoundError (not swallowed by delete) and 401/403 to AuthError", async () => {
    server = await startServer((r) =>
      r.method === "DELETE"
        ? { status: 404, body: { detail: "Not found." } }
        : { status: 401, body: { detail: "Invalid API key." } },
    );
    const client = makeClient(server);
    const nf = await catchError(() => client.entitlements.delete("acme", "prod", "gone"));
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(isNotFound(nf)).toBe(true);
    expect(nf.message).toBe("entitlements_delete acme/prod/gone: 404 Not found.");
    const auth = await catchError(() => client.userSelf());
    expect(auth).toBeInstanceOf(AuthError);
    expect(isNotFound(auth)).toBe(false);
    expect(server.requests).toHaveLength(2); // 4xx are not retried
  });

  it("names the variable holding the rejected key on an AuthError (CLOUDSMITH_API_KEY unless the connection names another)", async () => {
    server = await startServer(() => ({ status: 401, body: { detail: "Invalid API key." } }));
    expect((await catchError(() => makeClient(server!).userSelf())).authHint).toBe("check CLOUDSMITH_API_KEY");
    expect(
      (await catchError(() => makeClient(server!, { apiKeyEnv: "ACME_CLOUDSMITH_KEY" }).userSelf())).authHint,
    ).toBe("check ACME_CLOUDSMITH_KEY");
  });

  it("uses the status text when the body has no detail", async () => {
    server = await startServer(() => ({ status: 403, raw: "<html>denied</html>" }));
    const e = await catchError(() => makeClient(server!).entitlements.list("acme", "prod"));
    expect(e.message).toBe("entitlements_list acme/prod: 403 Forbidden");
  });

  it("raises ResponseShapeError on malformed JSON", async () => {
    server = await startServer(() => ({ status: 200, raw: "{not json" }));
    const e = await catchError(() => makeClient(server!).entitlements.read("acme", "prod", "sp1"));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.message).toMatch(/^entitlements_read acme\/prod\/sp1: 200 response body is not valid JSON/);
    expect(e.ambiguous).toBe(false);
  });

  it("marks a bad 2xx body on a POST as ambiguous (the server acted; re-read before retrying)", async () => {
    server = await startServer(() => ({ status: 201, body: { detail: "created" } }));
    const e = await catchError(() => makeClient(server!).entitlements.create("acme", "prod", { name: "ci" }));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.ambiguous).toBe(true);
    expect(e.message).toContain("at name (invalid_type, expected string)");
  });

  it("raises ResponseShapeError naming the first failing field of a single object, without echoing token values", async () => {
    const secret = "tok_VERY_SECRET_VALUE_0001";
    server = await startServer(() => ({ status: 200, body: { name: "bad", token: secret, is_active: secret } }));
    const e = await catchError(() => makeClient(server!).entitlements.read("acme", "prod", "sp-bad"));
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.message).toContain("entitlements_read");
    expect(e.message).toContain("at is_active");
    expect(JSON.stringify(e)).not.toContain(secret);
    expect(inspect(e)).not.toContain(secret);
  });

  it("a list item with a malformed managed field fails alone: marked with the field, its value never echoed", async () => {
    const secret = "tok_VERY_SECRET_VALUE_0001";
    server = await startServer(() => ({
      status: 200,
      body: [token("ok"), { name: "bad", slug_perm: "sp-bad", token: secret, is_active: secret }],
    }));
    const list = await makeClient(server).entitlements.list("acme", "prod", { showTokens: true });
    expect(list.map((t) => [t.name, malformedProblem(t)])).toEqual([
      ["ok", undefined],
      ["bad", "is_active: a string, expected boolean"],
    ]);
    // What stands for it keeps only what it is found by: not the secret, nor the malformed value.
    expect(list[1]).toEqual({ name: "bad", slug_perm: "sp-bad", metadata: null, default: null, created_at: null });
    expect(inspect(list[1])).not.toContain(secret);
  });

  it("keeps unknown response fields (loose parsing)", async () => {
    server = await startServer(() => ({ status: 200, body: token("a", { brand_new_field: { x: 1 } }) }));
    const t = await makeClient(server).entitlements.read("acme", "prod", "sp-a");
    expect((t as Record<string, unknown>).brand_new_field).toEqual({ x: 1 });
  });

  it("never leaks the API key or a token value into errors or events", async () => {
    const bodyToken = "my_custom_token_value_42";
    server = await startServer((r) => {
      if (r.path.endsWith("/self/"))
        return { status: 401, body: { detail: `Invalid key ${API_KEY}`, fields: { [API_KEY]: [API_KEY] } } };
      if (r.method === "POST") return { status: 500, raw: `boom: token ${bodyToken} key ${API_KEY}` };
      return "reset";
    });
    const events: ApiEvent[] = [];
    const client = makeClient(server, { onEvent: (e) => events.push(e), maxRetries: 1 });
    const errors = [
      await catchError(() => client.userSelf()),
      await catchError(() => client.entitlements.create("acme", "prod", { name: "n", token: bodyToken })),
      await catchError(() => client.entitlements.list("acme", "prod", { showTokens: true })),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(ApiError);
      for (const text of [
        e.message,
        JSON.stringify(e),
        inspect(e, { depth: 10, showHidden: true }),
        JSON.stringify({ ...e }),
        e.stack ?? "",
      ]) {
        expect(text).not.toContain(API_KEY);
        expect(text).not.toContain(bodyToken);
      }
      expect(Object.keys(e).sort()).toEqual(
        [
          "ambiguous",
          "authHint",
          "code",
          "detail",
          "fields",
          "method",
          "operation",
          "path",
          "retryAfterSeconds",
          "status",
        ].sort(),
      );
    }
    expect(errors[0].detail).toBe("Invalid key ***");
    expect(errors[2].path).toBe("/entitlements/acme/prod/"); // no query string
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    expect(JSON.stringify(events)).not.toContain("show_tokens");
  });
});
