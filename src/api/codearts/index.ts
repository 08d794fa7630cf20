export * from "./client";
export * from "./endpoints";
export * from "./errors";
export * from "./iam";
export * from "./schemas";
export { ApiError, AuthError, isApiError, isNotFound, NetworkError, NotFoundError, RateLimitedError, ResponseShapeError, ServerError, ValidationError, redact } from "../http/errors";
export type { ApiEvent, ApiStats } from "../http/transport";
export { RateLimiter, sharedLimiter } from "../http/limiter";
