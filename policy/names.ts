/**
 * Names the policies share with the program. The pack ships on its own (`pulumi policy publish`
 * uploads this directory only), so it keeps its own copy; a unit test fails when they drift apart.
 */

/** The one namespace that may expose a LoadBalancer Service (the ingress controller's). */
export const INGRESS_NAMESPACE = "ingress";

/** The taint every GPU node carries; its value is the node's class. */
export const NODE_CLASS_TAINT = "sophia-intel.ai/node-class";

/** The node classes (all GPU machines). */
export const GPU_NODE_CLASSES: readonly string[] = ["gh200", "a100", "a6000", "rtx6000"];

/** The extended resource a container asks for to get a GPU. */
export const GPU_RESOURCE = "nvidia.com/gpu";
