/**
 * The platform-services layer under Pulumi mocks: exactly which resources production registers, and
 * that credentials reach them only as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";

import { loadConfig } from "../../stacks/config/load";
import { resolveEscConfig } from "../harness/esc";
import { setupMocks, type Registration } from "../harness/mocks";
import { readStackFile, toRawConfig } from "../harness/stack-config";

let registered: Registration[];

beforeAll(async () => {
  const mocks = await setupMocks("production");
  const k8s = await import("@pulumi/kubernetes");
  const { platformServices } = await import("../../stacks/platform-services");
  const config = loadConfig(
    toRawConfig(readStackFile("production").config, resolveEscConfig("production")),
    "production",
  );
  const provider = new k8s.Provider("kubernetes", {});
  const namespaces = Object.fromEntries(
    ["sophia-data", "cnpg-system", "cert-manager", "ingress", "gpu-operator", "monitoring"].map((n) => [
      n,
      pulumi.output(n),
    ]),
  );
  platformServices(config, provider, namespaces);
  await mocks.settled();
  registered = mocks.registered;
});

describe("production platform services", () => {
  it("registers exactly these resources", () => {
    const names = registered
      .filter((r) => !r.type.startsWith("kubernetes:") || !r.name.startsWith("cnpg-manifest-"))
      .map((r) => `${r.type}::${r.name}`)
      .sort();
    expect(names).toEqual(
      [
        "kubernetes:apps/v1:StatefulSet::redis",
        "kubernetes:barmancloud.cnpg.io/v1:ObjectStore::postgres-object-store",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-api",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-mcp",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-monitor",
        "kubernetes:cert-manager.io/v1:ClusterIssuer::ingress-issuer",
        "kubernetes:core/v1:ConfigMap::gpu-operator-time-slicing",
        "kubernetes:core/v1:ConfigMap::monitoring-dashboards",
        "kubernetes:core/v1:ConfigMap::postgres-bootstrap-sql",
        "kubernetes:core/v1:ConfigMap::redis-config",
        "kubernetes:core/v1:Secret::monitoring-alertmanager-config",
        "kubernetes:core/v1:Secret::monitoring-grafana-admin",
        "kubernetes:core/v1:Secret::postgres-app-credentials",
        "kubernetes:core/v1:Secret::postgres-backup-s3",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::postgres-network",
        "kubernetes:core/v1:Secret::redis-auth",
        "kubernetes:core/v1:Service::redis-headless",
        "kubernetes:core/v1:Service::redis-sentinel",
        "kubernetes:gateway.networking.k8s.io/v1:Gateway::ingress-gateway",
        "kubernetes:gateway.networking.k8s.io/v1:GatewayClass::ingress-gateway-class",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::ingress-https-redirect",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::monitoring-grafana-route",
        "kubernetes:helm.sh/v3:Release::cnpg-barman-cloud",
        "kubernetes:helm.sh/v3:Release::gpu-operator",
        "kubernetes:helm.sh/v3:Release::ingress-cert-manager",
        "kubernetes:helm.sh/v3:Release::ingress-envoy-gateway",
        "kubernetes:helm.sh/v3:Release::monitoring-alloy",
        "kubernetes:helm.sh/v3:Release::monitoring-kube-prometheus-stack",
        "kubernetes:helm.sh/v3:Release::monitoring-loki",
        "kubernetes:monitoring.coreos.com/v1:PodMonitor::postgres-pod-monitor",
        "kubernetes:monitoring.coreos.com/v1:PodMonitor::redis-pod-monitor",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule::monitoring-alert-rules",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::redis-network",
        "kubernetes:policy/v1:PodDisruptionBudget::redis-pdb",
        "kubernetes:postgresql.cnpg.io/v1:Cluster::postgres-cluster",
        "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup::postgres-daily-backup",
        "kubernetes:yaml:ConfigGroup::cnpg-manifest",
        "pulumi:providers:kubernetes::kubernetes",
        "sophia:gpu-operator:GpuOperator::gpu-operator",
        "sophia:ingress:Ingress::ingress",
        "sophia:monitoring:Monitoring::monitoring",
        "sophia:postgres:CloudNativePgOperator::cnpg",
        "sophia:postgres:PostgresCluster::postgres",
        "sophia:redis:RedisSentinel::redis",
      ].sort(),
    );
  });

  it("loads every chart from its repository at its pinned version", () => {
    const releases = registered.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    expect(
      releases.map((r) => [r.inputs["name"], r.inputs["chart"], r.inputs["version"], r.inputs["repositoryOpts"]]),
    ).toEqual(
      expect.arrayContaining([
        ["gpu-operator", "gpu-operator", "v25.10.1", { repo: "https://helm.ngc.nvidia.com/nvidia" }],
        ["envoy-gateway", "oci://docker.io/envoyproxy/gateway-helm", "v1.9.1", undefined],
      ]),
    );
    for (const r of releases) expect(r.inputs).toMatchObject({ atomic: true, cleanupOnFail: true, timeout: 900 });
  });

  it("passes credentials only as secrets", () => {
    for (const name of [
      "redis-auth",
      "postgres-backup-s3",
      "monitoring-grafana-admin",
      "monitoring-alertmanager-config",
    ]) {
      const stringData = registered.find((x) => x.name === name)?.inputs["stringData"];
      expect(isSecret(stringData), name).toBe(true);
    }
    // Outside secret values, no input holds a fixture credential.
    const visible = JSON.stringify(registered.map((r) => redactSecrets(r.inputs)));
    for (const [key, v] of Object.entries(resolveEscConfig("production"))) {
      if (v.secret && !key.endsWith("kubeconfig")) expect(visible, key).not.toContain(v.value);
    }
  });
});

/** A value the engine marks as secret in serialized inputs. */
function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && specialSigKey in value;
}

function redactSecrets(value: unknown): unknown {
  if (isSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}
