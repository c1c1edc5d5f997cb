/**
 * What the layers receive: the validated config with every credential wrapped as a Pulumi secret.
 * A type-only module, so a layer module (and the rules that reuse its pure helpers) never imports the
 * loader.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { Settings } from "./schema";

/** The validated config with every credential wrapped as a Pulumi secret. */
export interface StackConfig {
  readonly stack: string;
  readonly settings: Settings;
  /** The secret for `key` (full key), or undefined when it is not set. */
  secret(key: string): pulumi.Output<string> | undefined;
  /** The secret for `key`; only call it where `requiredWhen` guarantees it is set. */
  requireSecret(key: string): pulumi.Output<string>;
}
