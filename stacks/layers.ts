/**
 * Which layers this program builds so far. A layer enabled in config but not built yet is reported
 * at every preview and update (never silently ignored), naming the issue that builds it.
 */
import type { Settings } from "./config/schema";

export interface PendingLayer {
  readonly key: string;
  readonly reason: string;
}

const pendingIssues: Record<string, string> = {
  cluster: "GPU nodes and k3s (issue #3)",
};

/** Enabled layers whose components are not built yet. */
export function pendingLayers(s: Settings): PendingLayer[] {
  const enabled: Record<string, boolean> = {
    cluster: s.cluster.mode !== "skip",
  };
  return Object.entries(enabled)
    .filter(([, on]) => on)
    .map(([key]) => ({ key, reason: `not built yet: ${pendingIssues[key]}` }));
}

/** Each layer's mode, as a stack output for tooling. */
export function layerModes(s: Settings): Record<string, string> {
  return {
    cluster: s.cluster.mode,
    kubernetes: s.kubernetes.target,
    gpuOperator: s.gpuOperator.mode,
    postgres: s.postgres.mode,
    redis: s.redis.mode,
    ingress: s.ingress.mode,
    monitoring: s.monitoring.mode,
    mcp: s.mcp.mode,
    backend: s.backend.mode,
    inference: s.inference.mode,
    weaviate: s.weaviate.mode,
    frontend: s.frontend.mode,
  };
}
