export * from "./classes";
export * from "./placement";
export * from "./schedulable";
