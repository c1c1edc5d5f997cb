/**
 * The policy pack's checks as pure functions: what each accepts and rejects, edge cases included.
 * (test/integration/policy.test.ts runs the pack in the real engine.)
 */
import { describe, expect, it } from "vitest";

import { NODE_CLASSES } from "../../components/placement";
import { namespacePlan } from "../../components/platform/namespace-plan";
import { NODE_CLASS_TAINT as PLACEMENT_TAINT } from "../../components/placement";
import type { Resource } from "../../policy/kubernetes";
import { selects } from "../../policy/kubernetes";
import { exceptionFor, POLICY_EXCEPTIONS } from "../../policy/exceptions";
import { GPU_NODE_CLASSES, INGRESS_NAMESPACE, NODE_CLASS_TAINT } from "../../policy/names";
import { checkContainerResources } from "../../policy/policies/container-resources";
import { checkDisruptionBudgets, maxReplicas } from "../../policy/policies/disruption-budgets";
import { checkGpuTolerations, toleratesGpuTaint } from "../../policy/policies/gpu-tolerations";
import { checkNoLoadBalancers } from "../../policy/policies/no-load-balancers";
import {
  checkNoPlaintextCredentials,
  credentialShape,
  isCredentialName,
} from "../../policy/policies/no-plaintext-credentials";
import { checkNoHostAccess } from "../../policy/policies/no-host-access";
import { checkNoPrivilegedContainers } from "../../policy/policies/no-privileged-containers";
import { checkPinnedImages, unpinnedReason } from "../../policy/policies/pinned-images";
import { violations } from "../../policy/policies/resource-policy";
import { stackSettings } from "../harness/esc";

const sized = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } };

function deployment(
  name: string,
  container: Record<string, unknown>,
  o: { namespace?: string; replicas?: number; pod?: Record<string, unknown> } = {},
): Resource {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: {
      metadata: { name, namespace: o.namespace ?? "sophia-apps" },
      spec: {
        ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "app", image: "app:1.0", resources: sized, ...container }], ...o.pod },
        },
      },
    },
  };
}

describe("pinned-images", () => {
  it.each([
    ["redis:8.2.2-alpine", undefined],
    ["ghcr.io/cloudnative-pg/postgresql:18.1-standard-trixie", undefined],
    ["registry.local:5000/team/app:1.0", undefined],
    ["app@sha256:" + "a".repeat(64), undefined],
    ["app", "has no tag (Kubernetes pulls latest)"],
    ["registry.local:5000/team/app", "has no tag (Kubernetes pulls latest)"],
    ["app:latest", "uses the latest tag"],
    ["app:", "has an empty tag"],
  ])("%s", (image, reason) => {
    expect(unpinnedReason(image)).toBe(reason);
  });

  it("checks init containers, CronJobs and a CloudNativePG cluster's image", () => {
    const r = deployment("d", {}, { pod: { initContainers: [{ name: "init", image: "busybox" }] } });
    expect(checkPinnedImages(r)).toEqual([
      'initContainers[0] "init" image "busybox" has no tag (Kubernetes pulls latest); pin a release tag or a digest',
    ]);
    const cron: Resource = {
      type: "kubernetes:batch/v1:CronJob",
      name: "c",
      props: {
        spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "x", image: "x:latest" }] } } } } },
      },
    };
    expect(checkPinnedImages(cron)).toHaveLength(1);
    const cluster = (imageName?: string): Resource => ({
      type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
      name: "pg",
      props: { spec: imageName ? { imageName } : {} },
    });
    expect(checkPinnedImages(cluster("ghcr.io/cloudnative-pg/postgresql"))).toHaveLength(1);
    expect(checkPinnedImages(cluster("ghcr.io/cloudnative-pg/postgresql:18.1"))).toEqual([]);
    expect(checkPinnedImages(cluster())).toEqual([]);
    expect(checkPinnedImages({ type: "kubernetes:core/v1:ConfigMap", name: "cm", props: {} })).toEqual([]);
  });
});

describe("container-resources", () => {
  it("names each missing request and limit", () => {
    expect(checkContainerResources(deployment("d", {}))).toEqual([]);
    expect(checkContainerResources(deployment("d", { resources: { requests: { cpu: "1" } } }))).toEqual([
      'containers[0] "app" sets no requests.memory, limits.cpu, limits.memory',
    ]);
    expect(checkContainerResources(deployment("d", { resources: undefined }))).toEqual([
      'containers[0] "app" sets no requests.cpu, requests.memory, limits.cpu, limits.memory',
    ]);
  });
});

describe("no-privileged-containers", () => {
  it("refuses privileged containers in every namespace, the GPU operator's included", () => {
    const privileged = { securityContext: { privileged: true } };
    expect(checkNoPrivilegedContainers(deployment("d", privileged))).toEqual([
      `containers[0] "app" is privileged; run it unprivileged, or name it in the pack's exceptions with why`,
    ]);
    expect(checkNoPrivilegedContainers(deployment("d", privileged, { namespace: "gpu-operator" }))).toHaveLength(1);
    expect(checkNoPrivilegedContainers(deployment("d", { securityContext: { privileged: false } }))).toEqual([]);
  });
});

describe("no-host-access", () => {
  it("names each host namespace and hostPath volume", () => {
    const pod = {
      hostNetwork: true,
      hostPID: true,
      hostIPC: false,
      volumes: [
        { name: "proc", hostPath: { path: "/proc" } },
        { name: "data", persistentVolumeClaim: { claimName: "d" } },
      ],
    };
    expect(checkNoHostAccess(deployment("d", {}, { pod }))).toEqual([
      "hostNetwork is true; pods use their own namespaces",
      "hostPID is true; pods use their own namespaces",
      'hostPath volume "proc" mounts /proc from the node; use a ConfigMap, Secret or PersistentVolumeClaim',
    ]);
    expect(
      checkNoHostAccess(deployment("d", {}, { pod: { volumes: [{ name: "c", configMap: { name: "c" } }] } })),
    ).toEqual([]);
  });

  it("lets node-exporter through for exactly its named parts", () => {
    const exporter = (
      pod: Record<string, unknown>,
      name = "kube-prometheus-stack-prometheus-node-exporter",
    ): Resource => ({
      type: "kubernetes:apps/v1:DaemonSet",
      name,
      props: {
        metadata: { name, namespace: "monitoring" },
        spec: { template: { spec: { containers: [{ name: "e", image: "e:1", resources: sized }], ...pod } } },
      },
    });
    const real = { hostNetwork: true, hostPID: true, volumes: [{ name: "proc", hostPath: { path: "/proc" } }] };
    expect(violations("no-host-access", checkNoHostAccess, exporter(real))).toEqual([]);
    expect(
      violations(
        "no-host-access",
        checkNoHostAccess,
        exporter({ ...real, hostIPC: true, volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }),
      ),
    ).toEqual([
      "hostIPC is true; pods use their own namespaces",
      'hostPath volume "docker" mounts /var/run/docker.sock from the node; use a ConfigMap, Secret or PersistentVolumeClaim',
    ]);
    expect(violations("no-host-access", checkNoHostAccess, exporter(real, "other-exporter"))).toHaveLength(3);
  });
});

describe("no-load-balancers", () => {
  const svc = (namespace: string, type: string): Resource => ({
    type: "kubernetes:core/v1:Service",
    name: "s",
    props: { metadata: { namespace }, spec: { type } },
  });

  it("allows a LoadBalancer Service in the ingress namespace only", () => {
    expect(checkNoLoadBalancers(svc("ingress", "LoadBalancer"))).toEqual([]);
    expect(checkNoLoadBalancers(svc("sophia-apps", "ClusterIP"))).toEqual([]);
    expect(checkNoLoadBalancers(svc("sophia-apps", "LoadBalancer"))).toEqual([
      "Service of type LoadBalancer in namespace sophia-apps; expose it through the Gateway (an HTTPRoute) instead; only the ingress namespace may have a LoadBalancer",
    ]);
  });

  it("finds a LoadBalancer asked for in chart values", () => {
    const release: Resource = {
      type: "kubernetes:helm.sh/v3:Release",
      name: "grafana",
      props: { namespace: "monitoring", values: { grafana: { service: { type: "LoadBalancer" } } } },
    };
    expect(checkNoLoadBalancers(release)).toEqual([
      "values.grafana.service.type asks for a LoadBalancer Service (namespace monitoring); expose it through the Gateway (an HTTPRoute) instead; only the ingress namespace may have a LoadBalancer",
    ]);
  });
});

describe("no-plaintext-credentials", () => {
  it.each([
    ["adminPassword", true],
    ["DB_PASSWORD", true],
    ["MCP_GATEWAY_TOKEN", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["api-key", true],
    ["secret", true],
    ["existingSecret", false],
    ["secretName", false],
    ["AWS_ACCESS_KEY_ID", false],
    ["passwordKey", false],
    ["tokenTTL", false],
  ])("%s is a credential name: %s", (name, expected) => {
    expect(isCredentialName(name)).toBe(expected);
  });

  it("recognises credential shapes without flagging variable references", () => {
    // Built at run time so no credential-shaped string is committed.
    const pem = ["-----BEGIN", "RSA PRIVATE KEY-----"].join(" ");
    expect(credentialShape(`${pem}\nMIIE...`)).toBe("a private key");
    expect(credentialShape("AKIA" + "ABCDEFGHIJKLMNOP")).toBe("an AWS access key");
    expect(credentialShape("ghp_" + "x".repeat(36))).toBe("a GitHub token");
    expect(credentialShape(["redis://:pa55", "redis:6379"].join("@"))).toBe("a URL with a password");
    expect(credentialShape("redis://:$(REDIS_PASSWORD)@redis:6379")).toBeUndefined();
    expect(credentialShape("https://api.sophia-intel.ai/health")).toBeUndefined();
  });

  it("rejects inline credential env vars, credential-named fields and shapes; accepts Secrets and references", () => {
    const env = (e: Record<string, unknown>) => deployment("d", { env: [e] });
    expect(checkNoPlaintextCredentials(env({ name: "DB_PASSWORD", value: "x" }))).toEqual([
      'containers[0] "app" sets DB_PASSWORD inline; take it from a Secret (env[].valueFrom.secretKeyRef)',
    ]);
    expect(
      checkNoPlaintextCredentials(env({ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "p" } } })),
    ).toEqual([]);
    expect(checkNoPlaintextCredentials(env({ name: "PORT", value: "8000" }))).toEqual([]);
    const configMap: Resource = {
      type: "kubernetes:core/v1:ConfigMap",
      name: "cm",
      props: { data: { "api-token": "abc", note: "hello" } },
    };
    expect(checkNoPlaintextCredentials(configMap)).toEqual([
      "data.api-token is a credential-named field with a literal value; keep the value in a Secret and reference it",
    ]);
    const secret: Resource = { type: "kubernetes:core/v1:Secret", name: "s", props: { stringData: { password: "x" } } };
    expect(checkNoPlaintextCredentials(secret)).toEqual([]);
    const chart: Resource = {
      type: "kubernetes:helm.sh/v3:Release",
      name: "grafana",
      props: { values: { admin: { existingSecret: "grafana-admin", passwordKey: "password" } } },
    };
    expect(checkNoPlaintextCredentials(chart)).toEqual([]);
    // Program-level inputs (providers, dynamic resources) are only checked for shapes: the SDK cannot
    // tell the pack whether a value is a Pulumi secret.
    const dynamic: Resource = { type: "pulumi-nodejs:dynamic:Resource", name: "w", props: { apiKey: "k" } };
    expect(checkNoPlaintextCredentials(dynamic)).toEqual([]);
    expect(checkNoPlaintextCredentials({ ...dynamic, props: { url: "ghp_" + "y".repeat(36) } })).toEqual([
      "url holds a GitHub token; keep it in a Secret and reference the Secret",
    ]);
  });

  it("lets the SSH key through only where the program itself must hold it, never in a Kubernetes object", () => {
    const key = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const command: Resource = {
      type: "pulumi-nodejs:dynamic/sophia-remote:RemoteCommand",
      name: "cluster-core-ssh",
      props: { connection: { host: "198.18.0.10", privateKey: key, proxy: { host: "b", privateKey: key } } },
    };
    expect(checkNoPlaintextCredentials(command)).toEqual([]);
    const provider: Resource = {
      type: "pulumi:providers:pulumi-nodejs",
      name: "default",
      props: { "sophia-infra:sshPrivateKey": key },
    };
    expect(checkNoPlaintextCredentials(provider)).toEqual([]);
    // The same key anywhere else is still refused.
    expect(checkNoPlaintextCredentials({ ...command, props: { create: key } })).toHaveLength(1);
    const configMap: Resource = {
      type: "kubernetes:core/v1:ConfigMap",
      name: "cm",
      props: { connection: { privateKey: key } },
    };
    expect(checkNoPlaintextCredentials(configMap)).toHaveLength(1);
  });

  it("skips a value unknown until the update (the SDK throws on reading it) and checks the rest", () => {
    const props: Record<string, unknown> = { url: "ghp_" + "y".repeat(36) };
    Object.defineProperty(props, "connection", {
      enumerable: true,
      get: () => {
        throw new Error("string value at .connection can't be known during preview");
      },
    });
    expect(checkNoPlaintextCredentials({ type: "pulumi-nodejs:dynamic/x:Y", name: "r", props })).toEqual([
      "url holds a GitHub token; keep it in a Secret and reference the Secret",
    ]);
  });
  it("skips an unknown element of a list (a trigger from another resource) and checks the others", () => {
    const triggers: unknown[] = ["plain", "ghp_" + "z".repeat(36)];
    Object.defineProperty(triggers, 0, {
      enumerable: true,
      get: () => {
        throw new Error("string value at .triggers.0 can't be known during preview");
      },
    });
    expect(checkNoPlaintextCredentials({ type: "pulumi-nodejs:dynamic/x:Y", name: "r", props: { triggers } })).toEqual([
      "triggers[1] holds a GitHub token; keep it in a Secret and reference the Secret",
    ]);
  });
});

describe("gpu-tolerations", () => {
  const gpu = { resources: { ...sized, limits: { ...sized.limits, "nvidia.com/gpu": "1" } } };

  it.each([
    [{ key: NODE_CLASS_TAINT, operator: "Equal", value: "gh200", effect: "NoSchedule" }, true],
    [{ key: NODE_CLASS_TAINT, operator: "Exists" }, true],
    [{ operator: "Exists" }, true],
    [{ key: NODE_CLASS_TAINT, operator: "Equal", value: "cpu", effect: "NoSchedule" }, false],
    [{ key: NODE_CLASS_TAINT, operator: "Exists", effect: "NoExecute" }, false],
    [{ key: "nvidia.com/gpu", operator: "Exists" }, false],
  ])("%j tolerates the GPU taint: %s", (t, expected) => {
    expect(toleratesGpuTaint(t)).toBe(expected);
  });

  it("applies to pods asking for a GPU only", () => {
    expect(checkGpuTolerations(deployment("d", gpu))).toHaveLength(1);
    expect(
      checkGpuTolerations(
        deployment("d", gpu, { pod: { tolerations: [{ key: NODE_CLASS_TAINT, operator: "Exists" }] } }),
      ),
    ).toEqual([]);
    expect(checkGpuTolerations(deployment("d", {}))).toEqual([]);
  });
});

describe("disruption-budgets", () => {
  const hpa = (target: string, max: number, namespace = "sophia-apps"): Resource => ({
    type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    name: `${target}-hpa`,
    props: {
      metadata: { namespace },
      spec: { scaleTargetRef: { kind: "Deployment", name: target }, minReplicas: 1, maxReplicas: max },
    },
  });
  const pdb = (selector: Record<string, unknown>, namespace = "sophia-apps"): Resource => ({
    type: "kubernetes:policy/v1:PodDisruptionBudget",
    name: "pdb",
    props: { metadata: { namespace }, spec: { maxUnavailable: 1, selector } },
  });

  it("counts replicas from the spec or the largest HPA in the same namespace", () => {
    const d = deployment("api", {});
    expect(maxReplicas(d, [d])).toBe(1);
    expect(maxReplicas(d, [d, hpa("api", 5)])).toBe(5);
    expect(maxReplicas(d, [d, hpa("api", 5, "elsewhere")])).toBe(1);
    expect(maxReplicas(deployment("api", {}, { replicas: 3 }), [])).toBe(3);
  });

  it("wants a budget in the same namespace selecting the pods", () => {
    const d = deployment("api", {}, { replicas: 3 });
    expect(checkDisruptionBudgets([d]).map((v) => v.message)).toEqual([
      "Deployment sophia-apps/api runs up to 3 replicas but no PodDisruptionBudget in its namespace selects its pods; add one (maxUnavailable: 1)",
    ]);
    expect(checkDisruptionBudgets([d, pdb({ matchLabels: { app: "api" } })])).toEqual([]);
    expect(checkDisruptionBudgets([d, pdb({ matchLabels: { app: "api" } }, "elsewhere")])).toHaveLength(1);
    expect(checkDisruptionBudgets([d, pdb({ matchLabels: { app: "web" } })])).toHaveLength(1);
    expect(checkDisruptionBudgets([deployment("one", {}), pdb({ matchLabels: { app: "x" } })])).toEqual([]);
  });

  it("evaluates label selectors like Kubernetes", () => {
    const labels = { app: "api", tier: "web" };
    expect(selects({}, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "tier", operator: "In", values: ["web", "db"] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels)).toBe(false);
  });
});

describe("the pack's names match the program's", () => {
  it("namespaces, taint and node classes", () => {
    const names = namespacePlan(stackSettings("production")).map((n) => n.name);
    for (const e of POLICY_EXCEPTIONS) expect(names, `${e.policy} ${e.name}`).toContain(e.namespace);
    expect(names).toContain(INGRESS_NAMESPACE);
    expect(NODE_CLASS_TAINT).toBe(PLACEMENT_TAINT);
    expect([...GPU_NODE_CLASSES].sort()).toEqual([...NODE_CLASSES].sort());
  });
});

describe("exceptions", () => {
  const job = (namespace: string, name: string, container: string): Resource => ({
    type: "kubernetes:batch/v1:Job",
    name: `chart-${name}`,
    props: {
      metadata: { name, namespace },
      spec: { template: { spec: { containers: [{ name: container, image: "i:1" }] } } },
    },
  });

  it("let through only the named part of the named object, for the named policy", () => {
    const hook = job("gpu-operator", "gpu-operator-upgrade-crd", "upgrade-crd");
    expect(checkContainerResources(hook)).toHaveLength(1);
    expect(violations("container-resources", checkContainerResources, hook)).toEqual([]);
    expect(exceptionFor("container-resources", hook, checkContainerResources(hook)[0]!)?.reason).toContain(
      "pre-upgrade hook",
    );
    // The same object under another policy, another namespace, another name or another container is checked.
    const privileged = {
      ...hook,
      props: {
        metadata: { name: "gpu-operator-upgrade-crd", namespace: "gpu-operator" },
        spec: {
          template: {
            spec: { containers: [{ name: "upgrade-crd", image: "i:1", securityContext: { privileged: true } }] },
          },
        },
      },
    };
    expect(violations("no-privileged-containers", checkNoPrivilegedContainers, privileged)).toHaveLength(1);
    for (const other of [
      job("sophia-apps", "gpu-operator-upgrade-crd", "upgrade-crd"),
      job("gpu-operator", "gpu-operator-upgrade-crds", "upgrade-crd"),
      job("gpu-operator", "gpu-operator-upgrade-crd", "other"),
    ]) {
      expect(violations("container-resources", checkContainerResources, other)).toHaveLength(1);
    }
  });

  it("let the Barman Cloud plugin's Secret-name annotation through, not a credential beside it", () => {
    const service = (annotations: Record<string, string>): Resource => ({
      type: "kubernetes:core/v1:Service",
      name: "barman",
      props: { metadata: { name: "barman-cloud", namespace: "cnpg-system", annotations } },
    });
    const named = service({ "cnpg.io/pluginClientSecret": "barman-cloud-client-tls" });
    expect(checkNoPlaintextCredentials(named)).toHaveLength(1);
    expect(violations("no-plaintext-credentials", checkNoPlaintextCredentials, named)).toEqual([]);
    const leaked = service({
      "cnpg.io/pluginClientSecret": "barman-cloud-client-tls",
      "example.com/apiToken": "t0k3n",
    });
    expect(violations("no-plaintext-credentials", checkNoPlaintextCredentials, leaked)).toEqual([
      "metadata.annotations.example.com/apiToken is a credential-named field with a literal value; keep the value in a Secret and reference it",
    ]);
  });

  it("each name its object exactly and say why", () => {
    for (const e of POLICY_EXCEPTIONS) {
      expect(e.reason.length, e.name).toBeGreaterThan(40);
      expect(e.subjects.length, e.name).toBeGreaterThan(0);
      for (const subject of e.subjects) expect(subject, e.name).not.toBe("");
    }
  });
});
