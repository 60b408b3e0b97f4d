export * from "./backup/index";
export * from "./consistency";
export * from "./keyspace";
export * from "./models/index";
export * from "./repos/index";
export * from "./store/index";
