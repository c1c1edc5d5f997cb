import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

import { namespacePlan, podSecurityLabels, type NamespaceSpec } from "../../components/platform/namespace-plan";
import { stackSettings } from "../harness/esc";
import { setupMocks } from "../harness/mocks";

describe("namespacePlan", () => {
  it("production gets every layer's namespace, with exceptions explained", () => {
    const plan = namespacePlan(stackSettings("production"));
    expect(plan.map((n) => [n.name, n.podSecurity, n.defaultDeny])).toEqual([
      ["sophia-apps", "restricted", true],
      ["sophia-mcp", "restricted", true],
      ["sophia-data", "restricted", true],
      ["cnpg-system", "restricted", true],
      ["cert-manager", "restricted", true],
      ["ingress", "restricted", true],
      ["gpu-operator", "privileged", true],
      ["monitoring", "privileged", true],
    ]);
    // Our workloads bring their own policies; third-party charts' namespaces get an explicit allow.
    expect(plan.filter((n) => n.allow).map((n) => [n.name, n.allow?.ingressPorts])).toEqual([
      ["cnpg-system", [9443, 9090]],
      ["cert-manager", [10250]],
      ["ingress", [10080, 10443]],
      ["gpu-operator", []],
      ["monitoring", []],
    ]);
    for (const n of plan) expect(n.podSecurity === "restricted" || (n.exception?.length ?? 0) > 10).toBe(true);
  });

  it("dev only gets the namespaces of its enabled layers", () => {
    expect(namespacePlan(stackSettings("dev")).map((n) => n.name)).toEqual([
      "sophia-apps",
      "sophia-mcp",
      "sophia-data",
      "cnpg-system",
    ]);
  });

  it("labels enforce the level and keep audit/warn at restricted, pinned to a version", () => {
    expect(podSecurityLabels("privileged")).toEqual({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/enforce-version": "v1.33",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "v1.33",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "v1.33",
    });
  });
});

describe("PlatformNamespaces (Pulumi mocks)", () => {
  let mocks: Awaited<ReturnType<typeof setupMocks>>;
  beforeAll(async () => {
    mocks = await setupMocks();
  });

  it("registers exactly one namespace per spec and two policies per isolated one", async () => {
    const { PlatformNamespaces } = await import("../../components/platform/namespaces");
    const specs: NamespaceSpec[] = [
      { name: "sophia-apps", purpose: "apps", podSecurity: "restricted", defaultDeny: true },
      {
        name: "gpu-operator",
        purpose: "gpu",
        podSecurity: "privileged",
        exception: "host devices",
        defaultDeny: false,
      },
    ];
    const c = new PlatformNamespaces("platform", { namespaces: specs, labels: { team: "sre" } });
    await mocks.settled();
    const names = await new Promise<Record<string, string>>((resolve) => pulumi.all(c.names).apply(resolve));
    expect(names).toEqual({ "sophia-apps": "sophia-apps", "gpu-operator": "gpu-operator" });

    const registered = mocks.registered;
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "kubernetes:core/v1:Namespace platform-gpu-operator",
      "kubernetes:core/v1:Namespace platform-sophia-apps",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy platform-sophia-apps-allow-dns",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy platform-sophia-apps-default-deny",
      "sophia:platform:PlatformNamespaces platform",
    ]);
    const gpu = registered.find((r) => r.name === "platform-gpu-operator")!;
    expect(gpu.inputs["metadata"]).toEqual({
      name: "gpu-operator",
      labels: { team: "sre", ...podSecurityLabels("privileged") },
      annotations: { "sophia-intel.ai/purpose": "gpu", "sophia-intel.ai/pod-security-exception": "host devices" },
    });
    const deny = registered.find((r) => r.name === "platform-sophia-apps-default-deny")!;
    expect(deny.inputs["metadata"]).toEqual({ name: "default-deny", namespace: "sophia-apps" });
    expect(deny.inputs["spec"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const dns = registered.find((r) => r.name === "platform-sophia-apps-allow-dns")!;
    expect(dns.inputs["spec"]).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
  });
});

describe("allowPolicySpec", () => {
  it("opens the namespace to itself, the listed namespaces and ports, and egress", async () => {
    const { allowPolicySpec } = await import("../../components/platform/namespaces");
    expect(allowPolicySpec({ ingressPorts: [9443], ingressFromNamespaces: ["monitoring"], egressAll: true })).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
          ],
        },
        { ports: [{ protocol: "TCP", port: 9443 }] },
      ],
      egress: [{}],
    });
    expect(allowPolicySpec({ ingressPorts: [], ingressFromNamespaces: [], egressAll: false })).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
  });
});
