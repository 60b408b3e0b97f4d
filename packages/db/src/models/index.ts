export * from "./audit-event";
export * from "./auth-session";
export * from "./common";
export * from "./email-token";
export * from "./ids";
export * from "./tenant";
export * from "./user";
export * from "./workspace-session";
