/**
 * sophia-guardrails: the policy pack every preview and update of sophia-infra runs with
 * (`--policy-pack policy/analyzer`). Every policy is mandatory unless a policy config says otherwise
 * (`--policy-pack-config`). The checks are pure functions in `policies/`, unit-tested there.
 */
import { PolicyPack } from "@pulumi/policy";

import { containerResources } from "./policies/container-resources";
import { disruptionBudgets } from "./policies/disruption-budgets";
import { gpuTolerations } from "./policies/gpu-tolerations";
import { noHostAccess } from "./policies/no-host-access";
import { noLoadBalancers } from "./policies/no-load-balancers";
import { noPlaintextCredentials } from "./policies/no-plaintext-credentials";
import { noPrivilegedContainers } from "./policies/no-privileged-containers";
import { pinnedImages } from "./policies/pinned-images";

export const POLICIES = [
  pinnedImages,
  containerResources,
  noPrivilegedContainers,
  noHostAccess,
  noLoadBalancers,
  noPlaintextCredentials,
  gpuTolerations,
  disruptionBudgets,
];

new PolicyPack("sophia-guardrails", { enforcementLevel: "mandatory", policies: POLICIES });
