/**
 * One configuration problem, as the config loader (load.ts) and the cross-field rules (rules.ts)
 * report it: its own module, so neither imports the other for it.
 */
export interface ConfigProblem {
  /** `namespace:key` plus the path inside the value, e.g. `sophia-infra:postgres.instances`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}
