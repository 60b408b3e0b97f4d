export * from "./counter";
export * from "./errors";
export * from "./faults";
export type { FoundationDbStore, FoundationDbStoreOptions } from "./foundationdb";
export * from "./open";
export * from "./round-trips";
export * from "./sqlite";
export * from "./types";
