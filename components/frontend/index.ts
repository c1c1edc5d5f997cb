export * from "./frontend";
export * from "./frontend-spec";
