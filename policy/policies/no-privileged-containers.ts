/** No privileged containers, except the GPU operator's operands (they need the host's devices). */
import { containersOf, namespaceOf, podSpecOf, type Resource } from "../kubernetes";
import { GPU_OPERATOR_NAMESPACE } from "../names";
import { resourcePolicy } from "./resource-policy";

export function checkNoPrivilegedContainers(r: Resource): string[] {
  const spec = podSpecOf(r);
  if (!spec || namespaceOf(r) === GPU_OPERATOR_NAMESPACE) return [];
  return containersOf(spec)
    .filter(({ container }) => container.securityContext?.privileged === true)
    .map(
      ({ where }) =>
        `${where} is privileged; only the GPU operator (namespace ${GPU_OPERATOR_NAMESPACE}) may run privileged containers`,
    );
}

export const noPrivilegedContainers = resourcePolicy(
  "no-privileged-containers",
  `No privileged containers outside the ${GPU_OPERATOR_NAMESPACE} namespace.`,
  checkNoPrivilegedContainers,
);
