/**
 * The applications layer under Pulumi mocks (production config): exactly the resources of the 16
 * MCP servers, the gateway, the backend and the inference services; placement end to end.
 */
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";

import { INFERENCE_FUNCTIONS } from "../../components/apps";
import { resolveCatalog, SPEC_SERVER_NAMES } from "../../components/mcp";
import { nodeLabelsAndTaints, schedulableNodes, type NodeFacts, type PodPlacement } from "../../components/placement";
import { loadConfig } from "../../stacks/config/load";
import { resolveEscConfig } from "../harness/esc";
import type { Registration } from "../harness/mocks";
import { mockedPlatform } from "../harness/platform";
import { readStackFile, toRawConfig } from "../harness/stack-config";

let registered: Registration[];
const config = () =>
  loadConfig(toRawConfig(readStackFile("production").config, resolveEscConfig("production")), "production");

beforeAll(async () => {
  registered = await mockedPlatform(config);
});

const of = (type: string) => registered.filter((r) => r.type === type);
const byName = (name: string) => registered.find((r) => r.name === name && r.type.startsWith("kubernetes:"));

describe("MCP servers", () => {
  const catalog = resolveCatalog({ tag: "1.0.0" });

  it("are the spec's 16, each with exactly its objects", () => {
    expect(SPEC_SERVER_NAMES).toHaveLength(16);
    for (const server of SPEC_SERVER_NAMES) {
      const mine = registered
        .filter((r) => r.name === `mcp-${server}` || r.name.startsWith(`mcp-${server}-`))
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => `${r.type.slice("kubernetes:".length)}::${r.name}`)
        .sort();
      const secret = catalog.find((m) => m.name === server)!.secrets.length > 0;
      const stateful = catalog.find((m) => m.name === server)!.stateful;
      expect(mine, server).toEqual(
        [
          `apps/v1:Deployment::mcp-${server}`,
          `autoscaling/v2:HorizontalPodAutoscaler::mcp-${server}-hpa`,
          `core/v1:ServiceAccount::mcp-${server}-sa`,
          `core/v1:Service::mcp-${server}-service`,
          `gateway.networking.k8s.io/v1:HTTPRoute::mcp-${server}-route`,
          `networking.k8s.io/v1:NetworkPolicy::mcp-${server}-network`,
          `policy/v1:PodDisruptionBudget::mcp-${server}-pdb`,
          ...(secret ? [`core/v1:Secret::mcp-${server}-secret`] : []),
          ...(stateful ? [`gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy::mcp-${server}-session-affinity`] : []),
        ].sort(),
      );
    }
    expect(of("kubernetes:apps/v1:Deployment").filter((r) => r.name.startsWith("mcp-"))).toHaveLength(16);
  });

  it("have their ports, 2 to 5 replicas at 60% CPU, the spec's resources and pinned images", () => {
    const deployments = Object.fromEntries(
      of("kubernetes:apps/v1:Deployment")
        .filter((r) => r.name.startsWith("mcp-"))
        .map((r) => [r.name, r.inputs["spec"] as { template: { spec: { containers: Record<string, unknown>[] } } }]),
    );
    const aiMemory = deployments["mcp-ai-memory"]!.template.spec.containers[0]!;
    expect(aiMemory["image"]).toBe("scoobyjava15/sophia-mcp-ai-memory:1.0.0");
    expect(aiMemory["ports"]).toEqual([{ name: "http", containerPort: 9000 }]);
    expect(aiMemory["resources"]).toEqual({
      requests: { cpu: "1", memory: "2Gi" },
      limits: { cpu: "2", memory: "4Gi" },
    });
    const ports = Object.values(deployments).map(
      (d) => (d.template.spec.containers[0]!["ports"] as { containerPort: number }[])[0]!.containerPort,
    );
    expect(new Set(ports).size).toBe(16);
    for (const hpa of of("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").filter((r) =>
      r.name.startsWith("mcp-"),
    )) {
      expect(hpa.inputs["spec"]).toMatchObject({
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
        ],
      });
    }
  });

  it("read secrets only from their own Secret, and mount no token", () => {
    const github = byName("mcp-github")!.inputs["spec"] as { template: { spec: Record<string, unknown> } };
    const pod = github.template.spec as { automountServiceAccountToken: boolean; containers: { env: unknown[] }[] };
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0]!.env).toContainEqual({
      name: "GITHUB_TOKEN",
      valueFrom: { secretKeyRef: { name: "mcp-github", key: "GITHUB_TOKEN" } },
    });
    expect(byName("mcp-github-sa")!.inputs["automountServiceAccountToken"]).toBe(false);
  });

  it("accept traffic only from the gateway (and the backend where declared), egress only as declared", () => {
    const policy = (n: string) =>
      byName(`mcp-${n}-network`)!.inputs["spec"] as { ingress: { from: unknown[] }[]; egress: unknown[] };
    expect(policy("github").ingress[0]!.from).toHaveLength(1);
    expect(policy("ai-memory").ingress[0]!.from).toHaveLength(2);
    expect(policy("github").egress).toEqual([
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });

  it("are routed at mcp.<domain>/mcp/<name> with session affinity for stateful ones, behind a bearer token", () => {
    const route = byName("mcp-salesforce-route")!.inputs["spec"] as Record<string, unknown>;
    expect(route).toMatchObject({
      hostnames: ["mcp.sophia-intel.ai"],
      rules: [
        {
          matches: [
            {
              path: { type: "PathPrefix", value: "/mcp/salesforce" },
              headers: [{ type: "Exact", name: "Origin", value: "https://mcp.sophia-intel.ai" }],
            },
          ],
          backendRefs: [{ name: "mcp-salesforce", port: 9009 }],
        },
        { filters: [{ type: "ExtensionRef", extensionRef: { kind: "HTTPRouteFilter", name: "mcp-foreign-origin" } }] },
        {
          matches: [{ path: { type: "PathPrefix", value: "/mcp/salesforce" } }],
          backendRefs: [{ name: "mcp-salesforce", port: 9009 }],
        },
      ],
    });
    expect(byName("mcp-salesforce-session-affinity")!.inputs["spec"]).toMatchObject({
      loadBalancer: { type: "ConsistentHash", consistentHash: { type: "Header", header: { name: "Mcp-Session-Id" } } },
    });
    expect(byName("mcp-gateway-auth")!.inputs["spec"]).toMatchObject({
      apiKeyAuth: { extractFrom: [{ headers: ["Authorization"] }], sanitize: true },
    });
  });
});

describe("backend and inference", () => {
  it("backend: 3 to 10 replicas on 70% CPU and 80% memory, /health probes, PDB, connections from a Secret", () => {
    expect(byName("backend-hpa")!.inputs["spec"]).toMatchObject({
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [
        { resource: { name: "cpu", target: { averageUtilization: 70 } } },
        { resource: { name: "memory", target: { averageUtilization: 80 } } },
      ],
    });
    const pod = (byName("backend")!.inputs["spec"] as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0]!;
    expect(pod["livenessProbe"]).toMatchObject({ httpGet: { path: "/health", port: 8000 } });
    expect((pod["env"] as { name: string }[]).map((e) => e.name)).toEqual([
      "PORT",
      "DATABASE_URL",
      "REDIS_URL",
      "WEAVIATE_URL",
      "WEAVIATE_API_KEY",
    ]);
    expect(byName("backend-pdb")!.inputs["spec"]).toMatchObject({ maxUnavailable: 1 });
    // The connection settings are one secret value (the engine's secret marker).
    expect(Object.keys(byName("backend-env")!.inputs["stringData"] as object)).toContain(specialSigKey);
  });

  it("inference: one GPU per pod, on the NVIDIA runtime, one pod down at a time, for each of the plan's functions", () => {
    expect(Object.keys(INFERENCE_FUNCTIONS)).toEqual(["embed", "analyze", "generate", "summarize", "classify"]);
    for (const fn of Object.keys(INFERENCE_FUNCTIONS)) {
      const spec = byName(`inference-${fn}`)!.inputs["spec"] as {
        template: {
          spec: { runtimeClassName: string; containers: { resources: { limits: Record<string, string> } }[] };
        };
      };
      expect(spec.template.spec.runtimeClassName).toBe("nvidia");
      expect(spec.template.spec.containers[0]!.resources.limits["nvidia.com/gpu"]).toBe("1");
      // The HPA scales it out; maxUnavailable 1 never blocks a drain at one replica.
      expect(byName(`inference-${fn}-pdb`)!.inputs["spec"]).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: (byName(`inference-${fn}`)!.inputs["metadata"] as { labels: unknown }).labels },
      });
    }
  });
});

describe("placement, end to end", () => {
  // The spec's production topology, labelled and tainted by the cluster layer's function.
  const topology: [string, "gh200" | "a6000" | "a100" | "rtx6000"][] = [
    ["sophia-ai-core", "gh200"],
    ["sophia-mcp-orchestrator", "a6000"],
    ["sophia-data-pipeline", "a100"],
    ["sophia-production", "rtx6000"],
  ];
  const nodes: NodeFacts[] = topology.map(([name, cls]) => ({ name, ...nodeLabelsAndTaints(cls) }));
  const podOf = (r: Registration): PodPlacement =>
    (r.inputs["spec"] as { template: { spec: PodPlacement } }).template.spec;

  it("every workload can run exactly on its class's nodes", () => {
    const expected: Record<string, string> = {
      ...Object.fromEntries(SPEC_SERVER_NAMES.map((n) => [`mcp-${n}`, "sophia-mcp-orchestrator"])),
      backend: "sophia-production",
      redis: "sophia-production",
      "inference-embed": "sophia-ai-core",
      "inference-analyze": "sophia-ai-core",
      "inference-generate": "sophia-ai-core",
      "inference-summarize": "sophia-data-pipeline",
      "inference-classify": "sophia-production",
    };
    const workloads = registered.filter(
      (r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet",
    );
    const actual = Object.fromEntries(
      workloads.filter((w) => w.name in expected).map((w) => [w.name, schedulableNodes(podOf(w), nodes).join(",")]),
    );
    expect(actual).toEqual(expected);
  });

  it("the check can fail: a pod without the toleration fits nowhere, one without affinity fits where it tolerates", () => {
    const pod = podOf(byName("backend")!);
    expect(schedulableNodes({ ...pod, tolerations: [] }, nodes)).toEqual([]);
    expect(schedulableNodes({ tolerations: pod.tolerations }, nodes)).toEqual(["sophia-production"]);
    expect(
      schedulableNodes(
        { tolerations: [{ key: "sophia-intel.ai/node-class", operator: "Exists", effect: "NoSchedule" }] },
        nodes,
      ),
    ).toHaveLength(4);
  });
});

describe("a 17th server is one catalog entry", () => {
  it("adds its objects and nothing else changes", () => {
    const catalog = resolveCatalog({
      tag: "1.0.0",
      servers: [{ name: "jira", port: 9016, secrets: ["JIRA_TOKEN"], egress: [{ cidr: "0.0.0.0/0", port: 443 }] }],
    });
    expect(catalog).toHaveLength(17);
    expect(catalog.at(-1)).toMatchObject({
      name: "jira",
      image: "scoobyjava15/sophia-mcp-jira",
      tag: "1.0.0",
      port: 9016,
      minReplicas: 2,
      maxReplicas: 5,
      workloadClass: "mcp",
    });
    expect(catalog.slice(0, 16)).toEqual(resolveCatalog({ tag: "1.0.0" }));
  });
});
