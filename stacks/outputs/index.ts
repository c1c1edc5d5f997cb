export * from "./contract";
export * from "./reader";
