/**
 * The Kubernetes provider every Kubernetes-layer component uses, chosen by `kubernetes.target`.
 */
import * as path from "node:path";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "./config/load";
import type { Settings } from "./config/schema";
import { PROJECT_ROOT, readLocalFile } from "./local-files";

/** Provider arguments for a target, without the kubeconfig (pure; unit-tested). */
export function kubernetesProviderArgs(
  settings: Settings,
  projectRoot: string = PROJECT_ROOT,
): k8s.ProviderArgs | undefined {
  const k = settings.kubernetes;
  switch (k.target) {
    case "skip":
      return undefined;
    case "render":
      // Writes manifests instead of applying them. The provider resolves a relative path against its
      // own working directory, so it gets an absolute one; state is per clone (.sophia/state).
      // The SDK falls back to $KUBECONFIG when `kubeconfig` is undefined, which the provider rejects
      // next to renderYamlToDirectory; an explicit empty kubeconfig keeps a user's env out of it.
      return { renderYamlToDirectory: path.resolve(projectRoot, k.renderDirectory), kubeconfig: "" };
    case "kubeconfig":
    case "cluster":
      return {
        // Server-side apply is the provider default; stated here because field ownership matters for
        // objects other controllers (cert-manager, the GPU operator) also write.
        enableServerSideApply: true,
        // A real cluster whose API server is briefly unreachable must fail the refresh loudly: with
        // `deleteUnreachable` a refresh would drop every object from state and the next `up` would try
        // to create them all again. Explicit so PULUMI_K8S_DELETE_UNREACHABLE in someone's shell
        // cannot turn it on.
        deleteUnreachable: false,
      };
    case "local":
      return {
        enableServerSideApply: true,
        // The throwaway API server on this machine (`scripts/kube-local.sh purge`): objects on a
        // cluster that no longer exists must not block `destroy`.
        deleteUnreachable: true,
      };
  }
}

/** The kubeconfig objects go to (a secret), or undefined for `render` and `skip`. */
export function kubeconfigFor(
  config: StackConfig,
  clusterKubeconfig: pulumi.Output<string> | undefined,
): pulumi.Output<string> | undefined {
  const k = config.settings.kubernetes;
  switch (k.target) {
    case "kubeconfig":
      return config.requireSecret("kubeconfig");
    case "cluster":
      return clusterKubeconfig;
    case "local":
      return pulumi.secret(
        readLocalFile(k.kubeconfigPath, 'kubernetes.target is "local"', "API server", "kube-local.sh"),
      );
    default:
      return undefined;
  }
}

/**
 * Creates the provider with `kubeconfig` from `kubeconfigFor`; it is a secret either way and must be
 * stable across runs (pulumi-kubernetes#2745: a changed kubeconfig replaces the provider and every
 * object on it).
 */
export function createKubernetesProvider(
  name: string,
  config: StackConfig,
  kubeconfig: pulumi.Output<string> | undefined,
  opts?: pulumi.CustomResourceOptions,
): k8s.Provider | undefined {
  const args = kubernetesProviderArgs(config.settings);
  if (!args) return undefined;
  const target = config.settings.kubernetes.target;
  if ((target === "kubeconfig" || target === "cluster" || target === "local") && !kubeconfig) {
    throw new pulumi.RunError(`kubernetes.target is ${target} but no kubeconfig is available`);
  }
  return new k8s.Provider(name, kubeconfig ? { ...args, kubeconfig } : args, opts);
}
