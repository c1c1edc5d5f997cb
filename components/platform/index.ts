export * from "./namespace-plan";
export * from "./namespaces";
