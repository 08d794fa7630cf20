export * from "./errors";
export * from "./limiter";
export * from "./retry";
export * from "./transport";
export * from "./url";
export * from "./malformed";
