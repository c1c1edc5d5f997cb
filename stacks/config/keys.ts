/**
 * The config namespace: every key the program reads is `sophia-infra:<name>` (the project's name in
 * Pulumi.yaml). Declared once; the rest of the program uses typed names, never these strings.
 */
export const CONFIG_NAMESPACE = "sophia-infra";

/** The full config key of `name`, e.g. `sophia-infra:redisPassword`. */
export function configKey(name: string): string {
  return `${CONFIG_NAMESPACE}:${name}`;
}
