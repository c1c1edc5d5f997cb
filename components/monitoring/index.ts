export * from "./monitoring";
export * from "./monitoring-values";
