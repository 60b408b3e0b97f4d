export * from "./sqlite-backup";
export * from "./tenant-transfer";
