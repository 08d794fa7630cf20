export * from "./client";
export * from "./entitlements";
export * from "./errors";
export * from "./package-schemas";
export * from "./packages";
export * from "./pagination";
export * from "./schemas";
export {
  ApiError,
  AuthError,
  isNotFound,
  isRejected,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  ResponseShapeError,
  ServerError,
  ValidationError,
} from "../http/errors";
export { RateLimiter } from "../http/limiter";
export type { ApiEvent, ApiStats, HttpResponse } from "../http/transport";
