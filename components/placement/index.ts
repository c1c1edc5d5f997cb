export * from "./placement";
export * from "./schedulable";
