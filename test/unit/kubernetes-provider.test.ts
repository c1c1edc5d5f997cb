import { describe, expect, it } from "vitest";

import { parseConfig } from "../../stacks/config/load";
import type { Settings } from "../../stacks/config/schema";
import { kubernetesProviderArgs } from "../../stacks/kubernetes-provider";
import { readStackFile, toRawConfig } from "../harness/stack-config";

function settings(kubernetes: Record<string, unknown>): Settings {
  const r = parseConfig(toRawConfig({ ...readStackFile("dev").config, "sophia-infra:kubernetes": kubernetes }));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.settings;
}

describe("kubernetesProviderArgs", () => {
  it("render writes to the directory resolved against the project root", () => {
    expect(kubernetesProviderArgs(settings({ target: "render", renderDirectory: "out/m" }), "/repo")).toEqual({
      renderYamlToDirectory: "/repo/out/m",
      kubeconfig: "",
    });
    expect(kubernetesProviderArgs(settings({ target: "render", renderDirectory: "/abs" }), "/repo")).toEqual({
      renderYamlToDirectory: "/abs",
      kubeconfig: "",
    });
  });

  it("clusters get server-side apply and tolerate an unreachable cluster on delete", () => {
    for (const target of ["local"]) {
      expect(kubernetesProviderArgs(settings({ target }))).toEqual({
        enableServerSideApply: true,
        deleteUnreachable: true,
      });
    }
  });

  it("skip creates no provider", () => {
    expect(kubernetesProviderArgs(settings({ target: "skip" }))).toBeUndefined();
  });
});
