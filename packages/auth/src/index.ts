export * from "./email-tokens";
export * from "./errors";
export * from "./mail";
export * from "./passwords";
export * from "./refresh";
export * from "./signing-key";
export * from "./tokens";
