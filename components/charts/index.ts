export * from "./chart-release";
