/**
 * Every credential the program reads. Each is its own config key and must be a Pulumi secret
 * (`pulumi config set --secret`, or `fn::secret` in the stack's ESC environment). `requiredWhen`
 * says, from the (partly) parsed settings, why a secret is needed; `undefined` means it is optional.
 */
import { resolveCatalog } from "../../components/mcp/catalog";
import type { Settings } from "./schema";

/** Settings whose sections may be missing because they failed to parse. */
export type PartialSettings = { readonly [K in keyof Settings]?: Settings[K] };

export interface SecretSpec {
  /** Full config key, `namespace:name`. */
  readonly key: string;
  readonly description: string;
  /** `string` or a JSON object of string maps (`mcpSecrets`). */
  readonly shape: "string" | "stringMapMap";
  /** Why the secret is required for these settings, or undefined when it is not. */
  readonly requiredWhen: (s: PartialSettings) => string | undefined;
}

const ns = "sophia-infra";

export const SECRETS: readonly SecretSpec[] = [
  {
    key: `${ns}:sshPrivateKey`,
    description: "OpenSSH private key for the cluster nodes' SSH user.",
    shape: "string",
    requiredWhen: (s) => (s.cluster?.mode === "k3s" ? "cluster.mode is k3s" : undefined),
  },
  {
    key: `${ns}:lambdaApiKey`,
    description: "Lambda Cloud API key (launching and terminating instances).",
    shape: "string",
    requiredWhen: (s) =>
      s.cluster?.mode === "k3s" && s.cluster.nodes.some((n) => n.machine.source === "lambda")
        ? "a cluster node has machine.source lambda"
        : undefined,
  },
  {
    key: `${ns}:kubeconfig`,
    description: "Kubeconfig of an existing cluster.",
    shape: "string",
    requiredWhen: (s) => (s.kubernetes?.target === "kubeconfig" ? "kubernetes.target is kubeconfig" : undefined),
  },
  {
    key: `${ns}:postgresPassword`,
    description: "Password of the Postgres application role (the backend's DATABASE_URL is built from it).",
    shape: "string",
    requiredWhen: (s) => (s.postgres?.mode === "create" ? "postgres.mode is create" : undefined),
  },
  {
    key: `${ns}:postgresBackupAccessKeyId`,
    description: "Access key id for the Postgres backup bucket.",
    shape: "string",
    requiredWhen: (s) =>
      s.postgres?.mode === "create" && s.postgres.backup.mode === "s3" ? "postgres.backup.mode is s3" : undefined,
  },
  {
    key: `${ns}:postgresBackupSecretAccessKey`,
    description: "Secret access key for the Postgres backup bucket.",
    shape: "string",
    requiredWhen: (s) =>
      s.postgres?.mode === "create" && s.postgres.backup.mode === "s3" ? "postgres.backup.mode is s3" : undefined,
  },
  {
    key: `${ns}:redisPassword`,
    description: "Password of Redis and its sentinels (no quotes, backslashes, % or whitespace).",
    shape: "string",
    requiredWhen: (s) => (s.redis?.mode === "create" ? "redis.mode is create" : undefined),
  },
  {
    key: `${ns}:grafanaAdminPassword`,
    description: "Grafana admin password.",
    shape: "string",
    requiredWhen: (s) => (s.monitoring?.mode === "create" ? "monitoring.mode is create" : undefined),
  },
  {
    key: `${ns}:slackWebhookUrl`,
    description: "Slack incoming-webhook URL for AlertManager.",
    shape: "string",
    requiredWhen: (s) => (s.monitoring?.mode === "create" ? "monitoring.mode is create" : undefined),
  },
  {
    key: `${ns}:pagerdutyRoutingKey`,
    description: "PagerDuty Events v2 routing key.",
    shape: "string",
    requiredWhen: (s) =>
      s.monitoring?.mode === "create" && s.monitoring.pagerduty ? "monitoring.pagerduty is true" : undefined,
  },
  {
    key: `${ns}:weaviateApiKey`,
    description: "Weaviate Cloud API key.",
    shape: "string",
    requiredWhen: (s) => (s.weaviate?.mode === "cloud" ? "weaviate.mode is cloud" : undefined),
  },
  {
    key: `${ns}:openaiApiKey`,
    description: "OpenAI key sent to Weaviate for text2vec-openai (optional: vectorizing at query time).",
    shape: "string",
    requiredWhen: () => undefined,
  },
  {
    key: `${ns}:anthropicApiKey`,
    description: "Anthropic key sent to Weaviate for generative-anthropic (optional).",
    shape: "string",
    requiredWhen: () => undefined,
  },
  {
    key: `${ns}:mcpGatewayToken`,
    description: "Bearer token the MCP gateway requires.",
    shape: "string",
    requiredWhen: (s) => (s.mcp?.mode === "create" ? "mcp.mode is create" : undefined),
  },
  {
    key: `${ns}:mcpSecrets`,
    description: "Per-server credentials: `{ <server>: { <ENV_VAR>: <value> } }`.",
    shape: "stringMapMap",
    requiredWhen: (s) =>
      s.mcp?.mode === "create" && resolveCatalog(s.mcp).some((srv) => srv.secrets.length > 0)
        ? "an MCP server of the catalog reads secrets"
        : undefined,
  },
  {
    key: `${ns}:vercelApiToken`,
    description: "Vercel API token for the frontend's provider.",
    shape: "string",
    requiredWhen: (s) => (s.frontend?.mode === "vercel" ? "frontend.mode is vercel" : undefined),
  },
  {
    key: `${ns}:vercelTeam`,
    description: "Vercel team (slug or ID) owning the frontend's project.",
    shape: "string",
    requiredWhen: (s) => (s.frontend?.mode === "vercel" ? "frontend.mode is vercel" : undefined),
  },
];

/**
 * Non-secret keys in provider namespaces that the program accepts. None: the Vercel provider is
 * explicit and takes its token and team from `vercelApiToken` and `vercelTeam`, so no default
 * provider is ever configured behind the program's back.
 */
export const PROVIDER_SETTINGS: readonly string[] = [];
