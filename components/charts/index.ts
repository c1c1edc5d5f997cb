export * from "./chart-release";
export * from "./values-keys";
export * from "./resources";
