import { describe, expect, it } from "vitest";

import { pendingLayers } from "../../stacks/layers";
import { stackSettings } from "../harness/esc";

describe("pendingLayers", () => {
  it("production's cluster on given machines is built; only the frontend is pending", () => {
    expect(pendingLayers(stackSettings("production")).map((l) => l.key)).toEqual(["frontend"]);
  });
  it("staging's cluster waits for its Lambda Cloud machines, and says so", () => {
    const pending = pendingLayers(stackSettings("staging"));
    expect(pending.map((l) => l.key)).toEqual(["cluster", "frontend"]);
    expect(pending[0]!.reason).toBe("not built yet: Lambda Cloud machines (cluster.nodes with machine.source lambda)");
  });
  it("dev has no pending layer", () => {
    expect(pendingLayers(stackSettings("dev"))).toEqual([]);
  });
});
