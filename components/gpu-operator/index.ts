export * from "./gpu-operator";
export * from "./gpu-operator-values";
