export * from "./connection";
export * from "./copy-plan";
export * from "./copy-to-remote";
export * from "./remote-command";
export { shellQuote, type Logging } from "./script";
