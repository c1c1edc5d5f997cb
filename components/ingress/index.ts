export * from "./ingress";
export * from "./ingress-objects";
