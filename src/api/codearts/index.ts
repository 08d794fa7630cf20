export * from "./client";
export * from "./endpoints";
export * from "./errors";
export * from "./iam";
export * from "./schemas";
export {
  ApiError,
  AuthError,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  redact,
} from "../http/errors";
export { RateLimiter } from "../http/limiter";
