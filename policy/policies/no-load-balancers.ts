/**
 * No LoadBalancer Service except the ingress controller's: every other service is reached through
 * the Gateway (TLS, authentication, one public address). Chart values and Envoy Gateway's
 * `EnvoyProxy` asking for a LoadBalancer Service count too.
 */
import { at, isObject, namespaceOf, type Resource } from "../kubernetes";
import { INGRESS_NAMESPACE } from "../names";
import { resourcePolicy } from "./resource-policy";

/** Paths (dotted) of every `type: LoadBalancer` inside `value`. */
export function loadBalancerPaths(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => loadBalancerPaths(v, `${path}[${i}]`));
  if (!isObject(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (k === "type" && v === "LoadBalancer") out.push(here);
    else out.push(...loadBalancerPaths(v, here));
  }
  return out;
}

export function checkNoLoadBalancers(r: Resource): string[] {
  const namespace = namespaceOf(r);
  if (namespace === INGRESS_NAMESPACE) return [];
  const where = namespace ? `namespace ${namespace}` : "no namespace";
  const fix = `expose it through the Gateway (an HTTPRoute) instead; only the ${INGRESS_NAMESPACE} namespace may have a LoadBalancer`;
  if (r.type === "kubernetes:core/v1:Service") {
    return at(r.props, "spec", "type") === "LoadBalancer" ? [`Service of type LoadBalancer in ${where}; ${fix}`] : [];
  }
  if (!r.type.startsWith("kubernetes:")) return [];
  return loadBalancerPaths(r.props).map((p) => `${p} asks for a LoadBalancer Service (${where}); ${fix}`);
}

export const noLoadBalancers = resourcePolicy(
  "no-load-balancers",
  `No LoadBalancer Service outside the ${INGRESS_NAMESPACE} namespace.`,
  checkNoLoadBalancers,
);
