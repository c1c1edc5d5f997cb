/**
 * What the layers receive: the validated config, every credential a typed field wrapped as a Pulumi
 * secret, and what is derived from the settings once (the MCP catalog). A type-only module, so a
 * layer module (and the rules that reuse its pure helpers) never imports the loader.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { McpSecretValues, McpServer } from "../../components/mcp/catalog";
import type { Settings } from "./schema";
import type { SecretName } from "./secrets";

/** The credentials that are set, by name. */
export type SecretValues<T> = { readonly [K in SecretName]?: T };

/** The validated config with every credential wrapped as a Pulumi secret. */
export interface StackConfig {
  readonly stack: string;
  readonly settings: Settings;
  /** Every credential that is set, by name (secrets.ts lists them and when each is required). */
  readonly secrets: SecretValues<pulumi.Output<string>>;
  /** The secret `name`; only call it where its `requiredWhen` guarantees it is set. */
  requireSecret(name: SecretName): pulumi.Output<string>;
  /** `mcpSecrets`, parsed once: `{ <server>: { <ENV_VAR>: <value> } }`. */
  readonly mcpSecrets?: pulumi.Output<McpSecretValues>;
  /** The resolved MCP catalog, resolved once (empty unless `mcp.mode` is create). */
  readonly mcpCatalog: readonly McpServer[];
}
