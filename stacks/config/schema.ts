/**
 * The stack configuration: one strict schema for every layer, parsed once at program start.
 *
 * Config lives under the project namespace (`sophia-infra:<key>`). Each layer is one object key with
 * an explicit `mode` (skip / create / …), so a layer is never half-configured. Credentials are never
 * part of these objects: each secret is its own top-level key (see `secrets.ts`), because Pulumi
 * records secrecy per key, and a plaintext leaf inside a secret object could not be detected.
 *
 * Every field carries its description and default here; `docs/config.md` is generated from this file.
 */
import { z } from "zod";

/** GPU node classes from the spec, with their Lambda Cloud instance types and hourly rates. */
export const NODE_CLASSES = ["gh200", "a100", "a6000", "rtx6000"] as const;
export const nodeClass = z.enum(NODE_CLASSES);
export type NodeClass = z.infer<typeof nodeClass>;

/** Workload classes of the spec's placement table. */
export const WORKLOAD_CLASSES = ["inference", "batch", "realtime", "mcp"] as const;
export const workloadClass = z.enum(WORKLOAD_CLASSES);
export type WorkloadClass = z.infer<typeof workloadClass>;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const hostname = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An image tag that is pinned: not empty and not `latest`. */
const pinnedTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a valid image tag")
  .refine((t) => t !== "latest", "must be a pinned version, not `latest`");

const k8sName = z.string().max(63).regex(dnsLabel, "must be a lowercase DNS label (a-z, 0-9, '-')");

// ---------------------------------------------------------------------------------------------
// Cluster: GPU nodes and k3s (spec section 1)

const existingNode = z
  .strictObject({
    source: z.literal("existing").describe("A machine that already exists, reached over SSH."),
    address: z.string().min(1).describe("Public address (IP or DNS name) the SSH connection and k3s use."),
    sshUser: z.string().min(1).default("ubuntu").describe("SSH user with passwordless sudo."),
    privateAddress: z.string().optional().describe("Address on a private network shared with the other servers."),
  })
  .describe("A given machine.");

const lambdaNode = z
  .strictObject({
    source: z.literal("lambda").describe("Launched through the Lambda Cloud API."),
    region: z.string().min(1).default("us-east-1").describe("Lambda Cloud region name."),
    instanceType: z
      .string()
      .optional()
      .describe("Lambda Cloud instance type; defaults to the node class's type (e.g. `gpu_1x_gh200`)."),
  })
  .describe("A Lambda Cloud instance.");

const clusterNode = z.strictObject({
  name: k8sName.describe("Node name (also the Kubernetes node name); a stable key, never an index."),
  class: nodeClass.describe("GPU class: `gh200` (arm64), `a100`, `a6000` or `rtx6000`."),
  role: z.enum(["server", "agent"]).describe("k3s role. The first server initialises the cluster."),
  machine: z.discriminatedUnion("source", [existingNode, lambdaNode]).describe("Where the machine comes from."),
  workloads: z
    .array(workloadClass)
    .optional()
    .describe("Workload classes this node runs; defaults to those the placement table maps to its class."),
});
export type ClusterNode = z.infer<typeof clusterNode>;

const cluster = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip").describe("No cluster layer: Kubernetes comes from `kubernetes`.") }),
    z.strictObject({
      mode: z.literal("k3s").describe("Bootstrap k3s over SSH on `nodes`."),
      name: k8sName.default("sophia").describe("Cluster name, used in the kubeconfig."),
      k3sVersion: z
        .string()
        .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, "must look like v1.33.5+k3s1")
        .default("v1.33.5+k3s1")
        .describe("Pinned k3s release (`INSTALL_K3S_VERSION`)."),
      privateNetwork: z
        .boolean()
        .default(false)
        .describe("Servers share a private network (required for more than one server: embedded etcd)."),
      nodes: z.array(clusterNode).min(1).describe("The machines, one entry per node."),
    }),
  ])
  .default({ mode: "skip" })
  .describe("GPU nodes and k3s.");

// ---------------------------------------------------------------------------------------------
// Where Kubernetes objects go

const kubernetes = z
  .strictObject({
    target: z
      .enum(["cluster", "kubeconfig", "local", "render", "skip"])
      .default("cluster")
      .describe(
        "`cluster`: the cluster layer's kubeconfig; `kubeconfig`: an existing cluster (secret `kubeconfig`); " +
          "`local`: the API server on this machine (`scripts/kube-local.sh`, dev only); " +
          "`render`: write manifests to `renderDirectory` without a cluster; `skip`: no Kubernetes layer.",
      ),
    kubeconfigPath: z
      .string()
      .default(".sophia/kube/admin.kubeconfig")
      .describe("For `local`: the kubeconfig `scripts/kube-local.sh start` writes, relative to the project."),
    renderDirectory: z
      .string()
      .default(".sophia/manifests")
      .describe("For `render`: the output directory, relative to the project (kept out of git: it may hold secrets)."),
    skipAwait: z
      .boolean()
      .default(false)
      .describe(
        "No controllers run where objects go (dev only: the local API server): skip readiness waits and delete in the background.",
      ),
  })
  .prefault({})
  .describe("Where the Kubernetes layer is applied.");

// ---------------------------------------------------------------------------------------------
// Placement table (spec section 3)

const placement = z
  .strictObject({
    inference: nodeClass.default("gh200").describe("Embedding generation, large-model inference, multi-modal."),
    batch: nodeClass.default("a100").describe("Batch processing, training, data pipeline."),
    realtime: nodeClass
      .default("rtx6000")
      .describe("Real-time API and production services (backend, Postgres, Redis)."),
    mcp: nodeClass.default("a6000").describe("MCP orchestration and the service mesh."),
  })
  .prefault({})
  .describe("Workload class to node class: the one table behind node labels, taints and affinities.");

// ---------------------------------------------------------------------------------------------
// Platform services (spec sections 2, 6, 7, 10)

const skipOrCreate = z.enum(["skip", "create"]);

const charts = z
  .discriminatedUnion("source", [
    z.strictObject({ source: z.literal("remote").describe("Each chart's own repository (pinned versions).") }),
    z.strictObject({
      source: z.literal("mirror").describe("A local mirror (air-gapped installs)."),
      directory: z
        .string()
        .min(1)
        .describe("Directory holding each chart as `<chart>-<version>/`, absolute or relative to the project."),
    }),
  ])
  .default({ source: "remote" })
  .describe("Where the Helm charts (pinned in components/charts) are loaded from.");

const gpuOperator = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Install the NVIDIA GPU operator."),
    chartVersion: z.string().default("v25.10.1").describe("Pinned `gpu-operator` chart version."),
    driver: z
      .enum(["host", "managed"])
      .default("host")
      .describe(
        "`host`: the machine image ships the NVIDIA driver (Lambda Stack); `managed`: the operator installs it (open kernel modules, required on GH200).",
      ),
    timeSlicing: z
      .partialRecord(nodeClass, z.int().min(1).max(16))
      .default({})
      .describe("GPU time-slicing replicas per node class (absent: no sharing)."),
  })
  .prefault({})
  .describe("NVIDIA GPU operator.");

const postgresBackup = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip") }),
    z.strictObject({
      mode: z.literal("s3"),
      endpoint: z.url().describe("S3-compatible endpoint URL."),
      bucket: z.string().min(3).describe("Bucket for base backups and WAL."),
      region: z.string().default("us-east-1").describe("Bucket region."),
      retention: z
        .string()
        .regex(/^\d+[dwm]$/)
        .default("30d")
        .describe("Backup retention policy."),
    }),
  ])
  .default({ mode: "skip" })
  .describe("Base backups (daily) and continuous WAL archiving.");

const postgres = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Deploy Postgres (CloudNativePG) with pgvector."),
    instances: z.int().min(1).max(9).default(3).describe("Instances (1 primary + replicas)."),
    storageSize: z
      .string()
      .regex(/^\d+(Gi|Ti)$/)
      .default("50Gi")
      .describe("Volume size per instance."),
    database: k8sName.default("sophia").describe("Application database name (also the owner role)."),
    backup: postgresBackup,
  })
  .prefault({})
  .describe("Postgres with pgvector.");

const redis = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Deploy Redis with Sentinel."),
    replicas: z.int().min(1).max(7).default(3).describe("Redis nodes (one master, the rest replicas)."),
    sentinelQuorum: z
      .int()
      .min(1)
      .default(2)
      .describe("Sentinels (one per Redis node) that must agree a master is down."),
    storageSize: z
      .string()
      .regex(/^\d+(Mi|Gi|Ti)$/)
      .default("10Gi")
      .describe("Volume per node (append-only file and snapshots)."),
    antiAffinity: z
      .enum(["required", "preferred"])
      .default("preferred")
      .describe(
        "`required`: never two Redis nodes on one machine (needs as many realtime nodes as replicas); `preferred`: spread when possible.",
      ),
  })
  .prefault({})
  .describe("Redis with Sentinel.");

const ingress = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Ingress controller and cert-manager."),
    acme: z
      .enum(["staging", "production"])
      .default("staging")
      .describe("Let's Encrypt server: `staging` issues untrusted test certificates."),
    acmeEmail: z.email().default("ops@sophia-intel.ai").describe("ACME account email."),
    publicAddresses: z
      .array(z.union([z.ipv4(), z.ipv6()]))
      .default([])
      .describe(
        "Public addresses serving ports 80/443 (the nodes k3s's service load balancer binds); used for the DNS records output.",
      ),
  })
  .prefault({})
  .describe("TLS and ingress.");

const monitoring = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Prometheus, Grafana, AlertManager and Loki."),
    slackChannel: z.string().default("#sophia-alerts").describe("AlertManager Slack channel."),
    pagerduty: z.boolean().default(true).describe("Route critical alerts to PagerDuty."),
    retention: z
      .string()
      .regex(/^\d+[dhw]$/)
      .default("30d")
      .describe("How long Prometheus keeps metrics."),
    prometheusStorage: z
      .string()
      .regex(/^\d+(Gi|Ti)$/)
      .default("50Gi")
      .describe("Prometheus volume size."),
  })
  .prefault({})
  .describe("Monitoring and alerting.");

// ---------------------------------------------------------------------------------------------
// Applications (spec sections 4, 5)

const egressRule = z.strictObject({
  host: z.string().optional().describe("Destination host (documentation; policies match `cidr`)."),
  cidr: z.string().default("0.0.0.0/0").describe("Destination CIDR."),
  port: z.int().min(1).max(65535).default(443).describe("Destination TCP port."),
});

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, "must be a Kubernetes quantity like 500m or 2Gi");
const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: quantity }),
  limits: z.strictObject({ cpu: quantity, memory: quantity }),
});

/**
 * A catalog entry. Fields left out keep the spec's entry (for its 16 servers) or the catalog
 * defaults (components/mcp/catalog.ts), so an override names only what it changes.
 */
const mcpServer = z.strictObject({
  name: k8sName.describe("Server name: `mcp.<domain>/mcp/<name>`; an existing name overrides that entry."),
  enabled: z.boolean().optional().describe("`false` removes a default server."),
  image: z.string().optional().describe("Image repository (default `scoobyjava15/sophia-mcp-<name>`)."),
  tag: pinnedTag.optional().describe("Pinned image tag (default `mcp.tag`)."),
  port: z.int().min(1).max(65535).optional().describe("Container port, Streamable HTTP at `/mcp` (default 8080)."),
  minReplicas: z.int().min(1).optional().describe("HPA minimum (default 2)."),
  maxReplicas: z.int().min(1).optional().describe("HPA maximum (default 5)."),
  cpuTarget: z.int().min(10).max(100).optional().describe("HPA target CPU utilisation, % (default 60)."),
  resources: resources.optional().describe("Requests and limits (default 1 CPU / 2Gi, limits 2 CPU / 4Gi)."),
  secrets: z
    .array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/))
    .optional()
    .describe("Env vars read from the server's Secret (values from `mcpSecrets.<name>`)."),
  egress: z.array(egressRule).optional().describe("Egress beyond DNS."),
  workloadClass: workloadClass.optional().describe("Placement class (default `mcp`)."),
  stateful: z.boolean().optional().describe("Needs `Mcp-Session-Id` affinity at the gateway."),
  fromBackend: z.boolean().optional().describe("The backend may call this server directly."),
  kubernetesApi: z.boolean().optional().describe("Mount a ServiceAccount token (the server calls the Kubernetes API)."),
  metricsPath: z
    .string()
    .regex(/^\//, "must be a path starting with /")
    .optional()
    .describe("Path of the Prometheus metrics the server serves on its port (default: none, not scraped)."),
});
export type McpServerConfig = z.infer<typeof mcpServer>;

const mcp = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("The MCP servers and their gateway."),
    tag: pinnedTag.default("1.0.0").describe("Default image tag for every server."),
    servers: z
      .array(mcpServer)
      .optional()
      .describe("Catalog entries overriding the spec's 16 servers by name, or adding servers."),
  })
  .prefault({})
  .describe("MCP servers.");

const backend = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Deploy the backend API."),
    image: z.string().default("scoobyjava15/sophia-backend").describe("Image repository."),
    tag: pinnedTag.default("1.0.0").describe("Pinned image tag."),
    minReplicas: z.int().min(1).default(3).describe("HPA minimum."),
    maxReplicas: z.int().min(1).default(10).describe("HPA maximum."),
  })
  .prefault({})
  .describe("Backend API.");

const inference = z
  .strictObject({
    mode: skipOrCreate
      .default("create")
      .describe("The GPU inference services (embed, analyze, generate, summarize, classify)."),
    image: z.string().default("scoobyjava15/sophia-inference").describe("Image repository."),
    tag: pinnedTag.default("1.0.0").describe("Pinned image tag."),
    maxReplicas: z.int().min(1).default(4).describe("HPA maximum per function."),
    metricsPath: z
      .string()
      .regex(/^\//, "must be a path starting with /")
      .optional()
      .describe("Path of the Prometheus metrics the services serve on their port (default: none, not scraped)."),
  })
  .prefault({})
  .describe("GPU inference services, placed by the workload table.");

// ---------------------------------------------------------------------------------------------
// Weaviate and frontend (spec sections 8, 9)

const weaviateCommon = {
  replicationFactor: z
    .int()
    .min(1)
    .max(5)
    .optional()
    .describe(
      "Replicas of each collection's shards (fixed at creation). Default: one per cluster node, at most 3; " +
        "refused when above the cluster's node count.",
    ),
  allowReplacement: z
    .boolean()
    .default(false)
    .describe("Allow changes that recreate a collection, deleting its objects (otherwise such a plan fails)."),
};

const weaviate = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip") }),
    z.strictObject({
      mode: z
        .literal("local")
        .describe("The Weaviate server on this machine (`scripts/weaviate-local.sh`; dev and tests)."),
      url: z.url().default("http://127.0.0.1:18080").describe("REST endpoint."),
      grpcPort: z.int().default(18081).describe("gRPC port."),
      apiKeyPath: z
        .string()
        .default(".sophia/weaviate/api-key")
        .describe("File holding the local server's API key (written by `scripts/weaviate-local.sh start`)."),
      ...weaviateCommon,
    }),
    z.strictObject({
      mode: z.literal("cloud").describe("Weaviate Cloud (secret `weaviateApiKey`)."),
      url: z.url().describe("Cluster URL."),
      clusterNodes: z
        .int()
        .min(1)
        .describe(
          "Nodes of the Weaviate Cloud cluster (its size in the Weaviate Cloud console: 3 for a high-availability cluster); " +
            "decides `replicationFactor`.",
        ),
      ...weaviateCommon,
    }),
  ])
  .default({ mode: "skip" })
  .describe("Weaviate collections (`SophiaMemory`, `BusinessIntelligence`).");

const frontend = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip") }),
    z.strictObject({
      mode: z.literal("vercel").describe("A Vercel project (provider config `vercel:apiToken`)."),
      projectName: k8sName.default("sophia-frontend").describe("Vercel project name."),
      gitRepository: z.string().default("scoobyjava15/sophia-main").describe("GitHub repo for preview deployments."),
      rootDirectory: z.string().default("frontend").describe("App directory within the repo."),
      domains: z.array(z.string().regex(hostname)).min(1).describe("Domains served by the project."),
    }),
  ])
  .default({ mode: "skip" })
  .describe("Vercel frontend.");

// ---------------------------------------------------------------------------------------------

/** The `sophia-infra` namespace: every non-secret key the program reads. */
export const settingsSchema = z.strictObject({
  environment: z.enum(["production", "staging", "dev"]).describe("Which environment this stack is."),
  domain: z.string().regex(hostname, "must be a DNS name like sophia-intel.ai").describe("Base domain."),
  cluster,
  kubernetes,
  placement,
  charts,
  gpuOperator,
  postgres,
  redis,
  ingress,
  monitoring,
  mcp,
  backend,
  inference,
  weaviate,
  frontend,
});

export type Settings = z.infer<typeof settingsSchema>;
