export * from "./ingress";
export * from "./ingress-objects";
export * from "./http-route";
