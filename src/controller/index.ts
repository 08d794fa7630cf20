export * from "./backoff";
export * from "./controller";
export * from "./logger";
export * from "./metrics";
export * from "./policy";
export * from "./reconcile-stack";
export * from "./server";
export * from "./watch";
