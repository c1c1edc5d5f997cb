import type { ResourceValidationPolicy } from "@pulumi/policy";

import type { Resource } from "../kubernetes";

/** A pure check: one message per violation, empty when the resource complies. */
export type ResourceCheck = (r: Resource) => string[];

/** A resource policy reporting each message of a pure check (the pack sets the enforcement level). */
export function resourcePolicy(name: string, description: string, check: ResourceCheck): ResourceValidationPolicy {
  return {
    name,
    description,
    validateResource: (args, reportViolation) => {
      for (const message of check({ type: args.type, name: args.name, props: args.props as Record<string, unknown> })) {
        reportViolation(message);
      }
    },
  };
}
