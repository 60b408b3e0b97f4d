export * from "./errors";
export * from "./subspace";
export * from "./types";
