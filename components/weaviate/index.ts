export * from "./collection";
export * from "./collection-spec";
export * from "./collections";
export * from "./replication";
export * from "./sophia-collections";
