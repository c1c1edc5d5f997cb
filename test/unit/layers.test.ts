import { describe, expect, it } from "vitest";

import { pendingLayers } from "../../stacks/layers";
import { stackSettings } from "../harness/esc";

describe("pendingLayers", () => {
  it("production's cluster on given machines is built: nothing is pending", () => {
    expect(pendingLayers(stackSettings("production"))).toEqual([]);
  });
  it("staging's cluster waits for k3s on its Lambda Cloud machines, and says so", () => {
    const pending = pendingLayers(stackSettings("staging"));
    expect(pending.map((l) => l.key)).toEqual(["cluster"]);
    expect(pending[0]!.reason).toBe(
      "not built yet: Lambda Cloud machines are launched, but k3s on them is not wired yet (issue 20)",
    );
  });
  it("dev has no pending layer", () => {
    expect(pendingLayers(stackSettings("dev"))).toEqual([]);
  });
});
