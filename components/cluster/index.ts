export * from "./k3s-config";
export * from "./kubeconfig";
