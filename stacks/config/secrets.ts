/**
 * Every credential the program reads. Each is its own config key and must be a Pulumi secret
 * (`pulumi config set --secret`, or `fn::secret` in the stack's ESC environment). `requiredWhen`
 * says, from the (partly) parsed settings, why a secret is needed; `undefined` means it is optional.
 */
import type { McpServer } from "../../components/mcp/catalog";
import { configKey } from "./keys";
import type { Settings } from "./schema";

/** Settings whose sections may be missing because they failed to parse. */
export type PartialSettings = { readonly [K in keyof Settings]?: Settings[K] };

/** What the loader derives from the settings once, for the rules that need it. */
export interface Derived {
  /** The resolved MCP catalog (empty unless `mcp.mode` is create and the section parsed). */
  readonly mcpCatalog: readonly McpServer[];
}

interface SecretDeclaration {
  /** Key within the config namespace, e.g. `redisPassword`. */
  readonly name: string;
  readonly description: string;
  /** `string` or a JSON object of string maps (`mcpSecrets`). */
  readonly shape: "string" | "stringMapMap";
  /** Why the secret is required for these settings, or undefined when it is not. */
  readonly requiredWhen: (s: PartialSettings, derived: Derived) => string | undefined;
}

const DECLARED = [
  {
    name: "sshPrivateKey",
    description: "OpenSSH private key for the cluster nodes' SSH user.",
    shape: "string",
    requiredWhen: (s) => (s.cluster?.mode === "k3s" ? "cluster.mode is k3s" : undefined),
  },
  {
    name: "lambdaApiKey",
    description: "Lambda Cloud API key (launching and terminating instances).",
    shape: "string",
    requiredWhen: (s) =>
      s.cluster?.mode === "k3s" && s.cluster.nodes.some((n) => n.machine.source === "lambda")
        ? "a cluster node has machine.source lambda"
        : undefined,
  },
  {
    name: "kubeconfig",
    description: "Kubeconfig of an existing cluster.",
    shape: "string",
    requiredWhen: (s) => (s.kubernetes?.target === "kubeconfig" ? "kubernetes.target is kubeconfig" : undefined),
  },
  {
    name: "postgresPassword",
    description: "Password of the Postgres application role (the backend's DATABASE_URL is built from it).",
    shape: "string",
    requiredWhen: (s) => (s.postgres?.mode === "create" ? "postgres.mode is create" : undefined),
  },
  {
    name: "postgresBackupAccessKeyId",
    description: "Access key id for the Postgres backup bucket.",
    shape: "string",
    requiredWhen: (s) =>
      s.postgres?.mode === "create" && s.postgres.backup.mode === "s3" ? "postgres.backup.mode is s3" : undefined,
  },
  {
    name: "postgresBackupSecretAccessKey",
    description: "Secret access key for the Postgres backup bucket.",
    shape: "string",
    requiredWhen: (s) =>
      s.postgres?.mode === "create" && s.postgres.backup.mode === "s3" ? "postgres.backup.mode is s3" : undefined,
  },
  {
    name: "redisPassword",
    description: "Password of Redis and its sentinels (no quotes, backslashes, % or whitespace).",
    shape: "string",
    requiredWhen: (s) => (s.redis?.mode === "create" ? "redis.mode is create" : undefined),
  },
  {
    name: "grafanaAdminPassword",
    description: "Grafana admin password.",
    shape: "string",
    requiredWhen: (s) => (s.monitoring?.mode === "create" ? "monitoring.mode is create" : undefined),
  },
  {
    name: "slackWebhookUrl",
    description: "Slack incoming-webhook URL for AlertManager.",
    shape: "string",
    requiredWhen: (s) => (s.monitoring?.mode === "create" ? "monitoring.mode is create" : undefined),
  },
  {
    name: "pagerdutyRoutingKey",
    description: "PagerDuty Events v2 routing key.",
    shape: "string",
    requiredWhen: (s) =>
      s.monitoring?.mode === "create" && s.monitoring.pagerduty ? "monitoring.pagerduty is true" : undefined,
  },
  {
    name: "weaviateApiKey",
    description: "Weaviate Cloud API key.",
    shape: "string",
    requiredWhen: (s) => (s.weaviate?.mode === "cloud" ? "weaviate.mode is cloud" : undefined),
  },
  {
    name: "openaiApiKey",
    description: "OpenAI key sent to Weaviate for text2vec-openai (optional: vectorizing at query time).",
    shape: "string",
    requiredWhen: () => undefined,
  },
  {
    name: "anthropicApiKey",
    description: "Anthropic key sent to Weaviate for generative-anthropic (optional).",
    shape: "string",
    requiredWhen: () => undefined,
  },
  {
    name: "mcpGatewayToken",
    description: "Bearer token the MCP gateway requires.",
    shape: "string",
    requiredWhen: (s) => (s.mcp?.mode === "create" ? "mcp.mode is create" : undefined),
  },
  {
    name: "mcpSecrets",
    description: "Per-server credentials: `{ <server>: { <ENV_VAR>: <value> } }`.",
    shape: "stringMapMap",
    requiredWhen: (_s, derived) =>
      derived.mcpCatalog.some((srv) => srv.secrets.length > 0)
        ? "an MCP server of the catalog reads secrets"
        : undefined,
  },
  {
    name: "vercelApiToken",
    description: "Vercel API token for the frontend's provider.",
    shape: "string",
    requiredWhen: (s) => (s.frontend?.mode === "vercel" ? "frontend.mode is vercel" : undefined),
  },
  {
    name: "vercelTeam",
    description: "Vercel team (slug or ID) owning the frontend's project.",
    shape: "string",
    requiredWhen: (s) => (s.frontend?.mode === "vercel" ? "frontend.mode is vercel" : undefined),
  },
] as const satisfies readonly SecretDeclaration[];

/** A credential's name (its key within the namespace): the typed handle the layers use. */
export type SecretName = (typeof DECLARED)[number]["name"];

export interface SecretSpec extends SecretDeclaration {
  readonly name: SecretName;
  /** Full config key, `namespace:name`. */
  readonly key: string;
}

export const SECRETS: readonly SecretSpec[] = DECLARED.map((d) => ({ ...d, key: configKey(d.name) }));

/** The full config key of a credential (for messages that tell the user which key to set). */
export function secretKey(name: SecretName): string {
  return configKey(name);
}

/**
 * Non-secret keys in provider namespaces that the program accepts. None: the Vercel provider is
 * explicit and takes its token and team from `vercelApiToken` and `vercelTeam`, so no default
 * provider is ever configured behind the program's back.
 */
export const PROVIDER_SETTINGS: readonly string[] = [];
