import { describe, expect, it } from "vitest";

import { parseConfig } from "../../stacks/config/load";
import type { Settings } from "../../stacks/config/schema";
import { kubernetesProviderArgs } from "../../stacks/kubernetes-provider";
import { stackSettings } from "../harness/esc";
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

  it("the local dev API server gets server-side apply and tolerates being unreachable on delete", () => {
    expect(kubernetesProviderArgs(settings({ target: "local" }))).toEqual({
      enableServerSideApply: true,
      deleteUnreachable: true,
    });
  });

  it("real clusters (production, staging) fail loudly when unreachable instead of dropping objects from state", () => {
    for (const stack of ["production", "staging"]) {
      const k = stackSettings(stack).kubernetes;
      expect(kubernetesProviderArgs(stackSettings(stack)), `${stack}: ${k.target}`).toEqual({
        enableServerSideApply: true,
        deleteUnreachable: false,
      });
      const other = { ...stackSettings(stack), kubernetes: { ...k, target: "kubeconfig" as const } };
      expect(kubernetesProviderArgs(other), `${stack}: kubeconfig`).toEqual({
        enableServerSideApply: true,
        deleteUnreachable: false,
      });
    }
  });

  it("skip creates no provider", () => {
    expect(kubernetesProviderArgs(settings({ target: "skip" }))).toBeUndefined();
  });
});
