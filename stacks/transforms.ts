/**
 * Stack-wide resource transformations.
 */
import * as pulumi from "@pulumi/pulumi";

export const SKIP_AWAIT = "pulumi.com/skipAwait";
export const DELETION_PROPAGATION = "pulumi.com/deletionPropagationPolicy";

/**
 * Annotates a Kubernetes object for an API server with no controllers (the dev stack's local one):
 * `pulumi.com/skipAwait`, since Deployments and Services never become ready there, and background
 * deletion, since the default foreground deletion leaves a finalizer only the garbage collector
 * removes (the delete would wait its whole timeout).
 * @see https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/#skipawait
 */
export function withSkipAwait(type: string, props: Record<string, unknown>): Record<string, unknown> | undefined {
  // Only Kubernetes objects carry metadata; Helm releases and yaml/kustomize components do not.
  if (!type.startsWith("kubernetes:") || !("metadata" in props)) return undefined;
  const metadata = pulumi.output(props["metadata"] as pulumi.Input<Record<string, unknown>> | undefined);
  return {
    ...props,
    metadata: metadata.apply((m) => ({
      ...m,
      annotations: {
        ...((m?.["annotations"] as Record<string, string> | undefined) ?? {}),
        [SKIP_AWAIT]: "true",
        [DELETION_PROPAGATION]: "background",
      },
    })),
  };
}

/** Registers the transformations the settings ask for. Call before creating any resource. */
export function registerTransforms(opts: { skipAwait: boolean }): void {
  if (opts.skipAwait) {
    pulumi.runtime.registerStackTransformation((args) => {
      const props = withSkipAwait(args.type, args.props);
      return props ? { props, opts: args.opts } : undefined;
    });
  }
}
