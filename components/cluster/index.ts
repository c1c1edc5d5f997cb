export * from "./k3s-config";
export * from "./kubeconfig";
export * from "./k3s-token";
export * from "./k3s-commands";
export * from "./k3s-cluster";
export * from "./k3s-upgrade";
