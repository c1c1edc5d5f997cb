export * from "./redis-config";
export * from "./redis-objects";
export * from "./redis-sentinel";
