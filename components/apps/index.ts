export * from "./backend";
export * from "./inference";
export * from "./workload";
export * from "./workload-resources";
