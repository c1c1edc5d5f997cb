import { describe, expect, it } from "vitest";

import { layerModes } from "../../stacks/layers";
import { stackSettings } from "../harness/esc";

describe("layerModes", () => {
  it("production and staging run k3s on their machines and apply the Kubernetes layer to it", () => {
    for (const stack of ["production", "staging"] as const) {
      const modes = layerModes(stackSettings(stack));
      expect({ cluster: modes["cluster"], kubernetes: modes["kubernetes"] }, stack).toEqual({
        cluster: "k3s",
        kubernetes: "cluster",
      });
    }
  });
  it("dev has no cluster layer and applies to the local API server", () => {
    const modes = layerModes(stackSettings("dev"));
    expect({ cluster: modes["cluster"], kubernetes: modes["kubernetes"] }).toEqual({
      cluster: "skip",
      kubernetes: "local",
    });
  });
});
