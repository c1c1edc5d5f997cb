export * from "./client";
export * from "./instance-plan";
export * from "./lambda-instance";
export * from "./lambda-node";
export * from "./lambda-nodes";
export * from "./lambda-ssh-key";
export * from "./rate-limit";
