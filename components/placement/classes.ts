/**
 * The spec's GPU node classes and workload classes, and the placement table between them. The
 * config schema builds its enums from these arrays (stacks/config/schema.ts), so the component owns
 * the vocabulary and the stack only validates against it.
 */

/** GPU node classes from the spec (each a Lambda Cloud instance family; GH200 is arm64). */
export const NODE_CLASSES = ["gh200", "a100", "a6000", "rtx6000"] as const;
export type NodeClass = (typeof NODE_CLASSES)[number];

/** Workload classes of the spec's placement table. */
export const WORKLOAD_CLASSES = ["inference", "batch", "realtime", "mcp"] as const;
export type WorkloadClass = (typeof WORKLOAD_CLASSES)[number];

/** Workload class to node class: the one table behind node labels, taints and affinities. */
export type PlacementTable = Readonly<Record<WorkloadClass, NodeClass>>;
