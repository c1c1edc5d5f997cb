/**
 * Which layer runs in which mode, as a stack output for tooling.
 */
import type { Settings } from "./config/schema";

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
