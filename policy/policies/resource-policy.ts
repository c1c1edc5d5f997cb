import type { ResourceValidationPolicy } from "@pulumi/policy";

import { exceptionFor } from "../exceptions";
import type { Resource } from "../kubernetes";

/** A pure check: one message per violation, empty when the resource complies. */
export type ResourceCheck = (r: Resource) => string[];

/** The messages of `check` for `r` that no exception of policy `name` (exceptions.ts) lets through. */
export function violations(name: string, check: ResourceCheck, r: Resource): string[] {
  return check(r).filter((message) => exceptionFor(name, r, message) === undefined);
}

/**
 * A resource policy reporting each message of a pure check, less the pack's named exceptions (the
 * pack sets the enforcement level).
 */
export function resourcePolicy(name: string, description: string, check: ResourceCheck): ResourceValidationPolicy {
  return {
    name,
    description,
    validateResource: (args, reportViolation) => {
      const r = { type: args.type, name: args.name, props: args.props as Record<string, unknown> };
      for (const message of violations(name, check, r)) reportViolation(message);
    },
  };
}
