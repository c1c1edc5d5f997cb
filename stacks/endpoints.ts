/**
 * The stack's public endpoints (the `endpoints` output and the frontend's API URL), built in one
 * place from the gateway's host names. Pure.
 */
import { hostName } from "../components/ingress";
import type { StackOutputs } from "./outputs/contract";

export function endpointsFor(domain: string): StackOutputs["endpoints"] {
  return {
    api: `https://${hostName("api", domain)}`,
    mcp: `https://${hostName("mcp", domain)}`,
    monitor: `https://${hostName("monitor", domain)}`,
  };
}
