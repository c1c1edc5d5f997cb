import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

import { DELETION_PROPAGATION, SKIP_AWAIT, withSkipAwait } from "../../stacks/transforms";

const resolved = <T>(o: pulumi.Input<T>) => new Promise<T>((r) => pulumi.output(o).apply((v) => r(v as T)));

describe("withSkipAwait", () => {
  it("adds the annotation to a Kubernetes object, keeping its metadata", async () => {
    const props = withSkipAwait("kubernetes:apps/v1:Deployment", {
      metadata: { name: "api", annotations: { team: "sre" } },
      spec: { replicas: 3 },
    });
    expect(props?.["spec"]).toEqual({ replicas: 3 });
    expect(await resolved(props?.["metadata"])).toEqual({
      name: "api",
      annotations: { team: "sre", [SKIP_AWAIT]: "true", [DELETION_PROPAGATION]: "background" },
    });
  });

  it("leaves providers, components and other packages alone", () => {
    expect(withSkipAwait("pulumi:providers:kubernetes", { kubeconfig: "x" })).toBeUndefined();
    expect(withSkipAwait("kubernetes:helm.sh/v3:Release", { chart: "gpu-operator" })).toBeUndefined();
    expect(withSkipAwait("sophia:platform:PlatformNamespaces", { metadata: {} })).toBeUndefined();
  });
});
