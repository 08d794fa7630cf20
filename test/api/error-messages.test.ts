/**
 * The typed errors on their own: which class a status gets, the one-line message a user reads
 * (subject, status, detail or status text, field messages), and the helpers that keep messages
 * short and free of secrets. The clients' use of them over HTTP is in errors.test.ts.
 */
import {
  ApiError,
  AuthError,
  errorClassForStatus,
  flattenFieldErrors,
  isNotFound,
  isRejected,
  NetworkError,
  NotFoundError,
  oneLine,
  RateLimitedError,
  redact,
  ServerError,
  ValidationError,
} from "../../src/api/http/errors";

const init = { operation: "entitlements_update", method: "PATCH", path: "/entitlements/acme/prod/T1/" };

describe("errorClassForStatus", () => {
  it.each([
    [404, NotFoundError],
    [401, AuthError],
    [403, AuthError],
    [429, RateLimitedError],
    [400, ValidationError],
    [422, ValidationError],
    [500, ServerError],
    [503, ServerError],
    [599, ServerError],
    [409, ApiError],
    [302, ApiError],
    [499, ApiError],
  ])("%i: %p", (status, cls) => {
    expect(errorClassForStatus(status)).toBe(cls);
  });
});

describe("ApiError messages", () => {
  it("names the operation, the request and the status with its text when the API gave no detail", () => {
    expect(new ApiError({ ...init, status: 409 }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: 409 Conflict",
    );
    expect(new ApiError({ ...init, status: 302 }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: 302 Found",
    );
  });

  it("prefers the subject and the API's detail; an unknown status stands alone", () => {
    expect(new ApiError({ ...init, subject: "acme/prod/T1", status: 404, detail: "No such token." }).message).toBe(
      "entitlements_update acme/prod/T1: 404 No such token.",
    );
    expect(new ApiError({ ...init, status: 418 }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: 418",
    );
    expect(new ApiError({ ...init, detail: "no status" }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: no status",
    );
  });

  it("lists field messages after the status, and a reason replaces status and detail", () => {
    const e = new ValidationError({
      ...init,
      status: 422,
      fields: { name: ["This field is required.", "Too short."], limit_num_downloads: ["Must be >= 0."] },
    });
    expect(e.message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: 422 Unprocessable Entity " +
        "(name: This field is required. Too short.; limit_num_downloads: Must be >= 0.)",
    );
    expect(new NetworkError({ ...init, status: 500, reason: "connection reset (ECONNRESET)" }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: connection reset (ECONNRESET)",
    );
  });

  it("keeps a multi-line detail on one line", () => {
    expect(new ServerError({ ...init, status: 500, detail: "boom\n  at line 2\n\tmore" }).message).toBe(
      "entitlements_update PATCH /entitlements/acme/prod/T1/: 500 boom at line 2 more",
    );
  });

  it("carries plain data only: its class name, defaults, and the same in JSON", () => {
    const e = new RateLimitedError({ ...init, status: 429, retryAfterSeconds: 3, code: "throttled" });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.name).toBe("RateLimitedError");
    expect(Object.keys(e)).not.toContain("name");
    expect(e.toJSON()).toEqual({
      name: "RateLimitedError",
      message: "entitlements_update PATCH /entitlements/acme/prod/T1/: 429 Too Many Requests",
      status: 429,
      operation: "entitlements_update",
      method: "PATCH",
      path: "/entitlements/acme/prod/T1/",
      detail: undefined,
      fields: {},
      code: "throttled",
      retryAfterSeconds: 3,
      ambiguous: false,
      authHint: undefined,
    });
    const auth = new AuthError({ ...init, status: 401, ambiguous: true, authHint: "check CLOUDSMITH_API_KEY" });
    expect(auth).toMatchObject({ name: "AuthError", ambiguous: true, authHint: "check CLOUDSMITH_API_KEY" });
    expect(auth.message).not.toContain("CLOUDSMITH_API_KEY");
  });

  it("isNotFound and isRejected hold for a base ApiError with the status, and not for others", () => {
    expect(isNotFound(new ApiError({ ...init, status: 404 }))).toBe(true);
    expect(isNotFound(new ApiError({ ...init, status: 410 }))).toBe(false);
    expect(isNotFound({ status: 404 })).toBe(false);
    expect(isRejected(new ApiError({ ...init, status: 400 }))).toBe(true);
    expect(isRejected(new ApiError({ ...init, status: 422 }))).toBe(true);
    expect(isRejected(new ApiError({ ...init, status: 409 }))).toBe(false);
    expect(isRejected(new ValidationError({ ...init }))).toBe(true);
    expect(isRejected(new Error("422"))).toBe(false);
  });
});

describe("oneLine", () => {
  it("collapses whitespace and trims", () => {
    expect(oneLine("  a\n\n b\t c  ")).toBe("a b c");
  });
  it("cuts a long text to max characters, the last one an ellipsis", () => {
    expect(oneLine("abcdefghij", 5)).toBe("abcd…");
    expect(oneLine("abcde", 5)).toBe("abcde");
    expect(oneLine("x".repeat(1500))).toHaveLength(1000);
    expect(oneLine("x".repeat(1000))).toBe("x".repeat(1000));
  });
});

describe("redact", () => {
  it("replaces every occurrence of each secret of 4 characters or more with ***", () => {
    expect(redact("key abcd and abcd, pw s3cret!", ["abcd", "s3cret!"])).toBe("key *** and ***, pw ***");
  });
  it("ignores empty, missing and shorter secrets (they would mangle ordinary text)", () => {
    expect(redact("a abc abcd", [undefined, "", "abc", "abcd"])).toBe("a abc ***");
  });
});

describe("flattenFieldErrors", () => {
  it("is empty for anything but an object", () => {
    for (const raw of [undefined, null, "oops", 3, ["a"]]) expect(flattenFieldErrors(raw)).toEqual({});
  });

  it("takes strings, lists, numbers and booleans; drops blank and empty ones", () => {
    expect(
      flattenFieldErrors({ a: "required", b: ["x", "y"], c: 5, d: false, e: "  ", f: [], g: null, h: undefined }),
    ).toEqual({ a: ["required"], b: ["x", "y"], c: ["5"], d: ["false"] });
  });

  it("reads detail/message/msg/error of an object, else its nested keys as 'key: message'", () => {
    expect(
      flattenFieldErrors({
        a: { detail: "d" },
        b: { message: "m" },
        c: { msg: "g" },
        d: { error: "e", detail: "both" },
        e: { inner: ["one", { deeper: "two" }] },
        f: { detail: 3 },
      }),
    ).toEqual({
      a: ["d"],
      b: ["m"],
      c: ["g"],
      d: ["both", "e"],
      e: ["inner: one", "inner: deeper: two"],
      // A non-string detail is not a message of its own: read as a nested key.
      f: ["detail: 3"],
    });
  });

  it("stops descending after 5 levels (a cyclic or absurd body cannot hang it)", () => {
    const deep = { a: [[[[[["too deep"]]]]]], b: [[[["deep enough"]]]] };
    expect(flattenFieldErrors(deep)).toEqual({ b: ["deep enough"] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(flattenFieldErrors({ x: cyclic })).toEqual({});
  });
});
