/**
 * Rules that span fields or sections, checked after every section parsed on its own.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

import { validateFrontend, type FrontendSpec } from "../../components/frontend/frontend-spec";
import { hostName, PUBLIC_HOSTS } from "../../components/ingress/ingress-objects";
import { validateLambdaMachine } from "../../components/lambda/lambda-node";
import { CHARTS, mirrorEntry, type ChartPin } from "../../components/charts/chart-release";
import { validateClusterNodes } from "../../components/cluster/k3s-config";
import type { McpSecretValues, McpServer } from "../../components/mcp/catalog";
import { WORKLOAD_CLASSES } from "../../components/placement/classes";
import { PASSWORD_FORBIDDEN } from "../../components/redis/redis-config";
import { clusterShape } from "../cluster-nodes";
import { validateReplication } from "../../components/weaviate/replication";
import { PROJECT_ROOT } from "../local-files";
import { weaviateReplication } from "../weaviate";
import { configKey } from "./keys";
import type { ConfigProblem } from "./problem";
import type { Settings } from "./schema";
import type { SecretValues } from "./stack-config";

/** What the loader parsed or resolved once, for the rules that read it. */
export interface CheckedDerived {
  readonly mcpCatalog: readonly McpServer[];
  readonly mcpSecrets?: McpSecretValues;
}

/** The `version` of a Chart.yaml. */
function chartYamlVersion(file: string): string | undefined {
  const v = (parse(readFileSync(file, "utf8")) as { version?: unknown } | null)?.version;
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

export function crossChecks(s: Settings, secrets: SecretValues<string>, derived: CheckedDerived): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string, fix: string) => problems.push({ path: configKey(path), message, fix });

  if (s.kubernetes.target === "cluster" && s.cluster.mode !== "k3s") {
    add(
      "kubernetes.target",
      'is "cluster" but cluster.mode is "skip", so there is no cluster to apply to',
      'set cluster.mode to "k3s", or kubernetes.target to "kubeconfig", "render" or "skip"',
    );
  }
  if (s.kubernetes.target === "local" && s.environment !== "dev") {
    add("kubernetes.target", 'is "local" outside dev', 'use "cluster" or "kubeconfig"');
  }
  if (s.kubernetes.skipAwait && s.environment !== "dev") {
    add("kubernetes.skipAwait", "is only allowed in dev (readiness waits protect real clusters)", "remove it");
  }

  if (s.weaviate.mode !== "skip") {
    for (const message of validateReplication(weaviateReplication(s.weaviate))) {
      add(
        "weaviate.replicationFactor",
        message,
        s.weaviate.mode === "cloud"
          ? "lower it to at most weaviate.clusterNodes (or leave it out), or resize the cluster and set clusterNodes"
          : "the local server is a single node: remove it or set 1",
      );
    }
  }

  if (s.environment === "dev") {
    // dev runs on one machine: no cloud accounts.
    if (s.cluster.mode === "k3s" && s.cluster.nodes.some((n) => n.machine.source === "lambda")) {
      add(
        "cluster.nodes",
        "launches Lambda Cloud instances in dev",
        'use machine.source "existing", or cluster.mode "skip"',
      );
    }
    if (s.weaviate.mode === "cloud") add("weaviate.mode", 'is "cloud" in dev', 'use "local" or "skip"');
    if (s.frontend.mode === "vercel") add("frontend.mode", 'is "vercel" in dev', 'use "skip"');
  }

  if (s.cluster.mode === "k3s") {
    s.cluster.nodes.forEach((n, i) => {
      if (n.machine.source !== "lambda") return;
      for (const p of validateLambdaMachine({ nodeClass: n.class, name: n.name, ...n.machine })) {
        add(
          `cluster.nodes.${i}.${p.field === "nodeClass" ? "class" : `machine.${p.field}`}`,
          `(node "${n.name}"): ${p.message}`,
          p.fix,
        );
      }
    });
  }

  if (s.cluster.mode === "k3s") {
    const nodes = s.cluster.nodes;
    // The component's own rules (duplicate names, a server first, HA only over a private network,
    // architectures); its paths are relative to the cluster section.
    for (const p of validateClusterNodes(clusterShape(s.cluster))) {
      const path = p.path.replace(/^(nodes\.\d+)\.privateAddress$/, "$1.machine.privateAddress");
      add(`cluster.${path}`, p.message, p.fix);
    }
    const classes = new Set(nodes.map((n) => n.class));
    for (const workload of WORKLOAD_CLASSES) {
      const target = s.placement[workload];
      if (!classes.has(target)) {
        add(
          `placement.${workload}`,
          `maps ${workload} workloads to ${target} but no cluster node has class ${target}`,
          `add a ${target} node or map ${workload} to one of: ${[...classes].join(", ")}`,
        );
      }
    }
  }

  if (s.redis.mode === "create" && s.redis.sentinelQuorum > s.redis.replicas) {
    add(
      "redis.sentinelQuorum",
      `(${s.redis.sentinelQuorum}) is larger than the number of sentinels (${s.redis.replicas}, one per Redis node): no failover could ever happen`,
      `set it to at most ${s.redis.replicas} (a majority, ${Math.floor(s.redis.replicas / 2) + 1}, is usual)`,
    );
  }
  if (s.environment === "production") {
    if (s.postgres.mode === "create" && s.postgres.instances < 3) {
      add(
        "postgres.instances",
        `is ${s.postgres.instances}; production needs at least 3 (a primary and two replicas) for high availability`,
        "set postgres.instances: 3",
      );
    }
    if (s.redis.mode === "create" && s.redis.replicas < 3) {
      add(
        "redis.replicas",
        `is ${s.redis.replicas}; production needs at least 3 Redis nodes (and sentinels) to fail over with a quorum`,
        "set redis.replicas: 3",
      );
    }
  }
  const redisPassword = secrets.redisPassword;
  if (s.redis.mode === "create" && redisPassword !== undefined && PASSWORD_FORBIDDEN.test(redisPassword)) {
    add(
      "redisPassword",
      "contains a quote, backslash, % or whitespace, which Redis config files and the pods' start script cannot carry",
      "generate one from letters, digits, '-' and '_' (e.g. `openssl rand -base64 32 | tr -d '/+='`)",
    );
  }
  if (s.charts.source === "mirror") {
    // Checked before any resource is registered: a missing chart would otherwise fail mid-update.
    for (const pin of enabledCharts(s)) {
      const dir = resolve(PROJECT_ROOT, s.charts.directory, mirrorEntry(pin));
      if (!existsSync(join(dir, "Chart.yaml"))) {
        add(
          "charts.directory",
          `has no ${mirrorEntry(pin)} (no ${join(dir, "Chart.yaml")})`,
          `add chart ${pin.chart} ${pin.version} to the mirror`,
        );
        continue;
      }
      // The Kubernetes provider installs a local chart's own version, whatever the pin says.
      const version = chartYamlVersion(join(dir, "Chart.yaml"));
      if (version !== pin.version) {
        add(
          "charts.directory",
          `has ${mirrorEntry(pin)} holding version ${version ?? "(none)"}, not the pinned ${pin.version}`,
          `put chart ${pin.chart} ${pin.version} there`,
        );
      }
    }
  }
  if (s.redis.mode === "create" && s.redis.antiAffinity === "required" && s.cluster.mode === "k3s") {
    const realtimeNodes = s.cluster.nodes.filter((n) => n.class === s.placement.realtime).length;
    if (realtimeNodes < s.redis.replicas) {
      add(
        "redis.antiAffinity",
        `is required but only ${realtimeNodes} node(s) have the realtime class ${s.placement.realtime}; ${s.redis.replicas - realtimeNodes} Redis pod(s) could never be scheduled`,
        `add ${s.placement.realtime} nodes or set redis.antiAffinity: preferred`,
      );
    }
  }
  if (s.backend.minReplicas > s.backend.maxReplicas) {
    add("backend.minReplicas", "is greater than backend.maxReplicas", "make minReplicas <= maxReplicas");
  }
  if (s.mcp.mode === "create") {
    problems.push(...mcpCatalogChecks(s, derived));
  }
  const frontend = frontendSpecOf(s);
  if (frontend) {
    for (const p of validateFrontend(frontend)) add(`frontend.${p.path}`, p.message, p.fix);
  }
  return problems;
}

/** The frontend's settings as its component validates them (config variables are plain values). */
export function frontendSpecOf(s: Settings): FrontendSpec | undefined {
  if (s.frontend.mode !== "vercel") return undefined;
  const f = s.frontend;
  return {
    stackDomain: s.domain,
    gatewayHosts: s.ingress.mode === "create" ? PUBLIC_HOSTS.map((h) => hostName(h, s.domain)) : [],
    domains: f.domains,
    variables: f.variables.map((v) => ({ key: v.key, value: v.value, sensitive: false, targets: v.targets })),
    ...(f.adopt ? { adopt: f.adopt } : {}),
  };
}

/** The charts the enabled layers install. */
export function enabledCharts(s: Settings): ChartPin[] {
  const pins: ChartPin[] = [];
  if (s.gpuOperator.mode === "create") pins.push({ ...CHARTS.gpuOperator, version: s.gpuOperator.chartVersion });
  if (s.postgres.mode === "create" && s.postgres.backup.mode === "s3") pins.push(CHARTS.barmanCloud);
  if (s.ingress.mode === "create") pins.push(CHARTS.certManager, CHARTS.envoyGateway);
  if (s.monitoring.mode === "create") pins.push(CHARTS.kubePrometheusStack, CHARTS.loki, CHARTS.alloy);
  return pins;
}

/** The MCP catalog: unique names and ports, sane replica bounds, declared secrets provided, placeable. */
function mcpCatalogChecks(s: Settings, derived: CheckedDerived): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string, fix: string) => problems.push({ path: configKey(path), message, fix });
  const entries = s.mcp.servers ?? [];
  const firstIndex = new Map<string, number>();
  entries.forEach((e, i) => {
    const first = firstIndex.get(e.name);
    if (first !== undefined) {
      add(`mcp.servers.${i}.name`, `"${e.name}" is also entry ${first}`, "merge the two entries or rename one");
    } else firstIndex.set(e.name, i);
    if (e.image !== undefined && /[:@][^/]*$/.test(e.image)) {
      add(
        `mcp.servers.${i}.image`,
        `"${e.image}" carries a tag or digest`,
        "give the repository only and pin the version in `tag`",
      );
    }
  });
  const entryPath = (name: string) => {
    const i = firstIndex.get(name);
    return i === undefined ? `mcp.servers (default entry ${name})` : `mcp.servers.${i}`;
  };
  const catalog = derived.mcpCatalog;
  const byPort = new Map<number, string>();
  const provided = derived.mcpSecrets ?? {};
  const nodeClasses = s.cluster.mode === "k3s" ? new Set(s.cluster.nodes.map((n) => n.class)) : undefined;
  for (const server of catalog) {
    const other = byPort.get(server.port);
    if (other !== undefined) {
      add(`${entryPath(server.name)}.port`, `${server.port} is also ${other}'s port`, "give each server its own port");
    } else byPort.set(server.port, server.name);
    if (server.minReplicas > server.maxReplicas) {
      add(
        `${entryPath(server.name)}.minReplicas`,
        `(${server.minReplicas}) is greater than maxReplicas (${server.maxReplicas})`,
        "make minReplicas <= maxReplicas",
      );
    }
    for (const v of server.secrets) {
      if (provided[server.name]?.[v] === undefined) {
        add(
          "mcpSecrets",
          `has no ${server.name}.${v} (a secret the ${server.name} MCP server reads)`,
          `add ${server.name}: { ${v}: <secret> } to mcpSecrets`,
        );
      }
    }
    const nodeClass = s.placement[server.workloadClass];
    if (nodeClasses && !nodeClasses.has(nodeClass)) {
      add(
        `${entryPath(server.name)}.workloadClass`,
        `${server.workloadClass} maps to ${nodeClass}, and no cluster node has that class: ${server.name} could never be scheduled`,
        `add a ${nodeClass} node or choose another workload class`,
      );
    }
  }
  return problems;
}
