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

import { VERCEL_TARGETS } from "../../components/frontend/frontend-spec";
import type { McpServerEntry } from "../../components/mcp/catalog";
import {
  NODE_CLASSES,
  WORKLOAD_CLASSES,
  type NodeClass,
  type PlacementTable,
  type WorkloadClass,
} from "../../components/placement/classes";
import { validateRestore, type PostgresRestore } from "../../components/postgres/restore";
import { LAMBDA_API_URL } from "../../components/lambda/client";
import type { Expect, SameShape } from "./same-shape";

/** GPU node classes (components/placement owns the list). */
export const nodeClass = z.enum(NODE_CLASSES);

/** Workload classes of the spec's placement table (components/placement owns the list). */
export const workloadClass = z.enum(WORKLOAD_CLASSES);

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
    hostKey: z
      .string()
      .regex(
        /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/,
        "must be an OpenSSH public key line",
      )
      .optional()
      .describe(
        "The machine's SSH host key (`ssh-ed25519 AAAA…`, from `/etc/ssh/ssh_host_ed25519_key.pub`). " +
          "Omitted: the key seen at the first connection is recorded and required from then on.",
      ),
  })
  .describe("A given machine.");

// Lambda machines are checked against components/lambda (regions, the class's instance types, the
// image's architecture) in rules.ts, where the node's class is known.
const lambdaNode = z
  .strictObject({
    source: z.literal("lambda").describe("Launched through the Lambda Cloud API."),
    region: z.string().min(1).default("us-east-1").describe("Lambda Cloud region name."),
    sshUser: z
      .string()
      .min(1)
      .default("ubuntu")
      .describe("SSH user of the machine image, with passwordless sudo (Lambda Stack's is `ubuntu`)."),
    instanceType: z
      .string()
      .optional()
      .describe("Lambda Cloud instance type; defaults to the node class's type (e.g. `gpu_1x_gh200`)."),
    image: z
      .union([z.strictObject({ family: z.string().min(1) }), z.strictObject({ id: z.string().min(1) })])
      .optional()
      .describe("Machine image `{ family }` or `{ id }`; defaults to the latest Lambda Stack (GH200: an arm64 build)."),
  })
  .describe("A Lambda Cloud instance.");

const clusterNode = z.strictObject({
  name: k8sName.describe("Node name (also the Kubernetes node name); a stable key, never an index."),
  class: nodeClass.describe("GPU class: `gh200` (arm64), `a100`, `a6000` or `rtx6000`."),
  role: z.enum(["server", "agent"]).describe("k3s role. The first server initialises the cluster."),
  arch: z
    .enum(["amd64", "arm64"])
    .optional()
    .describe("CPU architecture; defaults to the class's (`gh200`: arm64, the others amd64)."),
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
      tlsSans: z
        .array(z.string().min(1))
        .default([])
        .describe("Extra names for the API server certificate (the servers' addresses are always in)."),
      install: z
        .discriminatedUnion("mode", [
          z.strictObject({
            mode: z.literal("download").describe("Each node downloads the pinned release from GitHub."),
          }),
          z.strictObject({
            mode: z.literal("airgap").describe("Copied over SSH (air-gapped nodes)."),
            directory: z
              .string()
              .min(1)
              .describe(
                "Directory with the release's `k3s` / `k3s-arm64` and `sha256sum-<arch>.txt`, relative to the project.",
              ),
          }),
        ])
        .default({ mode: "download" })
        .describe("Where the k3s binary comes from; it is verified against the release's checksum file either way."),
    }),
  ])
  .default({ mode: "skip" })
  .describe("GPU nodes and k3s.");

const lambda = z
  .strictObject({
    apiUrl: z.url().default(LAMBDA_API_URL).describe("Lambda Cloud API root (secret `lambdaApiKey`)."),
    sshKeyName: z
      .string()
      .max(64)
      .optional()
      .describe("Name the stack's SSH public key is registered under; defaults to `<project>-<stack>`."),
    activeTimeoutSeconds: z
      .int()
      .min(60)
      .default(1200)
      .describe("How long an `up` waits for a launched instance to become active."),
  })
  .prefault({})
  .describe("Lambda Cloud account settings for nodes with `machine.source: lambda`.");

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

const postgresRestore = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip").describe("A new, empty database (initdb).") }),
    z.strictObject({
      mode: z.literal("latest").describe("Recover from the source's backups, replaying WAL to the end of the archive."),
      source: k8sName.describe("Name of the cluster whose backups are restored (its `postgres.name` then)."),
    }),
    z.strictObject({
      mode: z.literal("pointInTime").describe("Recover from the source's backups, replaying WAL up to `targetTime`."),
      source: k8sName.describe("Name of the cluster whose backups are restored (its `postgres.name` then)."),
      targetTime: z.iso
        .datetime({ offset: true })
        .describe("Stop replay at this time, RFC 3339 with a zone (e.g. `2026-03-01T09:30:00Z`)."),
    }),
  ])
  .default({ mode: "skip" })
  .describe(
    "Bootstrap the cluster from the backup object store (docs/runbooks/disaster-recovery.md). Needs `backup` and a `name` different from `source`.",
  );

/** The restore of a parsed `postgres` section, as the component takes it. */
export function postgresRestoreOf(r: z.infer<typeof postgresRestore>): PostgresRestore | undefined {
  if (r.mode === "skip") return undefined;
  return r.mode === "pointInTime" ? { source: r.source, targetTime: r.targetTime } : { source: r.source };
}

const postgres = z
  .strictObject({
    mode: skipOrCreate.default("create").describe("Deploy Postgres (CloudNativePG) with pgvector."),
    // CloudNativePG's admission webhook refuses cluster names over 50 characters.
    name: k8sName
      .max(50)
      .default("postgres")
      .describe("Cluster name (Services `<name>-rw`, `<name>-ro`; server name in the backup store)."),
    instances: z.int().min(1).max(9).default(3).describe("Instances (1 primary + replicas)."),
    storageSize: z
      .string()
      .regex(/^\d+(Gi|Ti)$/)
      .default("50Gi")
      .describe("Volume size per instance."),
    database: k8sName.default("sophia").describe("Application database name (also the owner role)."),
    backup: postgresBackup,
    restore: postgresRestore,
  })
  .superRefine((p, ctx) => {
    const problems = validateRestore({
      name: p.name,
      restore: postgresRestoreOf(p.restore),
      backup: p.backup.mode === "s3" ? p.backup : undefined,
    });
    for (const problem of problems) {
      ctx.addIssue({ code: "custom", path: [...problem.path], message: problem.message, params: { fix: problem.fix } });
    }
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

const frontendVariable = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name (A-Z, 0-9, _)")
    .describe("Variable name."),
  value: z.string().describe("Plain value (config is plaintext: no credentials here)."),
  targets: z
    .array(z.enum(VERCEL_TARGETS))
    .default(["production", "preview"])
    .describe("Deployment environments it is present on."),
});

const frontend = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("skip") }),
    z.strictObject({
      mode: z
        .literal("vercel")
        .describe("A Vercel project (secrets `vercelApiToken`, `vercelTeam`; components/frontend)."),
      projectName: k8sName.default("sophia-frontend").describe("Vercel project name (one project per stack)."),
      gitRepository: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name")
        .default("scoobyjava15/sophia-main")
        .describe("GitHub repo linked to the project: pushes deploy, pull requests get preview deployments."),
      productionBranch: z.string().min(1).default("main").describe("Branch whose pushes deploy to production."),
      rootDirectory: z.string().default("frontend").describe("App directory within the repo."),
      buildCommand: z.string().min(1).default("npm run build").describe("Build command (Vite)."),
      installCommand: z.string().min(1).default("npm ci").describe("Install command."),
      outputDirectory: z.string().min(1).default("dist").describe("Build output, relative to `rootDirectory`."),
      nodeVersion: z
        .string()
        .regex(/^\d+\.x$/, "must look like 22.x")
        .default("22.x")
        .describe("Node.js version of the builds."),
      domains: z
        .array(z.string().regex(hostname))
        .min(1)
        .describe("Domains served by the project, within `domain`; their records are in the `dnsRecords` output."),
      variables: z
        .array(frontendVariable)
        .default([])
        .describe("Variables besides `VITE_API_URL` and `VITE_ENVIRONMENT` (which the program sets)."),
      adopt: z
        .strictObject({
          projectId: z.string().describe("The existing project's ID (`prj_…`, its Settings page)."),
          domains: z.array(z.string()).default([]).describe("Domains already on that project (imported, not added)."),
          variables: z
            .record(z.string(), z.string())
            .default({})
            .describe("Variables already on that project: name to Vercel variable ID."),
        })
        .optional()
        .describe("Adopt an existing Vercel project with the `import` resource option (README: Frontend)."),
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
  lambda,
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

/**
 * Compile-time checks: what zod parses is exactly the type the component declares, so a field added
 * on one side only fails `pnpm typecheck`.
 */
export type SchemaMatchesComponents = [
  Expect<SameShape<z.infer<typeof nodeClass>, NodeClass>>,
  Expect<SameShape<z.infer<typeof workloadClass>, WorkloadClass>>,
  Expect<SameShape<z.infer<typeof placement>, PlacementTable>>,
  Expect<SameShape<z.infer<typeof mcpServer>, McpServerEntry>>,
];
