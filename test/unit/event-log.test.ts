import { describe, expect, it } from "vitest";

import { criticalPath, stateDependencies, stepTimings } from "../harness/event-log";

const urn = (name: string, type = "sophia-remote:index:RemoteCommand") => `urn:pulumi:s::p::${type}::${name}`;
const event = (t: number, kind: "pre" | "out", name: string, custom = true, op = "create") => {
  const metadata = { op, urn: urn(name), new: { custom } };
  return JSON.stringify({ timestamp: t, [kind === "pre" ? "resourcePreEvent" : "resOutputsEvent"]: { metadata } });
};

// a (0-2) → b (2-5) → d (6-7); c (2-3) also before d; e (1-1) unrelated; a component and a no-op step.
const log = [
  JSON.stringify({ timestamp: 0, preludeEvent: {} }),
  event(0, "pre", "a"),
  event(0, "pre", "comp", false),
  event(1, "pre", "e"),
  event(1, "out", "e"),
  event(2, "out", "a"),
  event(2, "pre", "b"),
  event(2, "pre", "c"),
  event(3, "out", "c"),
  event(3, "pre", "same-one", true, "same"),
  event(5, "out", "b"),
  event(6, "pre", "d"),
  event(7, "out", "d"),
  event(7, "out", "comp", false),
].join("\n");

const state = JSON.stringify({
  deployment: {
    resources: [
      { urn: urn("a") },
      { urn: urn("b"), dependencies: [urn("a")] },
      { urn: urn("c"), propertyDependencies: { x: [urn("a")] } },
      { urn: urn("d"), dependencies: [urn("c")], propertyDependencies: { y: [urn("b")] } },
      { urn: urn("e") },
    ],
  },
});

describe("event log", () => {
  it("times each custom resource's step, leaving out components and unchanged resources", () => {
    expect(stepTimings(log).map((s) => [s.name, s.start, s.end])).toEqual([
      ["a", 0, 2],
      ["e", 1, 1],
      ["b", 2, 5],
      ["c", 2, 3],
      ["d", 6, 7],
    ]);
  });

  it("follows the dependency that finished last back from the step that finished last", () => {
    const path = criticalPath(stepTimings(log), stateDependencies(state));
    expect(path.steps.map((s) => s.name)).toEqual(["a", "b", "d"]);
    expect(path.seconds).toBe(7);
    expect(path.busySeconds).toBe(6);
  });
});
