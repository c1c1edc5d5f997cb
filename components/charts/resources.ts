/**
 * Requests and limits for the containers the third-party charts run, in the `resources` shape every
 * chart passes through to its containers. The policy pack requires both on every container; chart
 * defaults mostly leave them empty.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export function containerResources(request: [cpu: string, memory: string], limit: [cpu: string, memory: string]) {
  return {
    requests: { cpu: request[0], memory: request[1] },
    limits: { cpu: limit[0], memory: limit[1] },
  } satisfies ContainerResources;
}

/** Sizes by role: a sidecar or one-off job, a small controller, a busier one. */
export const RESOURCES = {
  sidecar: containerResources(["10m", "32Mi"], ["100m", "128Mi"]),
  job: containerResources(["10m", "32Mi"], ["200m", "128Mi"]),
  controller: containerResources(["50m", "64Mi"], ["500m", "256Mi"]),
  busyController: containerResources(["100m", "256Mi"], ["1", "1Gi"]),
} as const;
