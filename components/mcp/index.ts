export * from "./catalog";
export * from "./mcp-objects";
export * from "./mcp-servers";
