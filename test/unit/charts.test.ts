import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

import { chartLocation, CHARTS } from "../../components/charts";
import { MANIFEST_PINS, readManifest } from "../../components/manifests";

describe("chart pins", () => {
  it("pin an exact version of every chart (no ranges, no latest)", () => {
    for (const pin of Object.values(CHARTS)) expect(pin.version).toMatch(/^v?\d+\.\d+\.\d+$/);
  });
  it("load from the chart's repository, an OCI registry, or a mirror", () => {
    expect(chartLocation(CHARTS.certManager, { source: "remote" })).toEqual({
      chart: "cert-manager",
      version: "v1.21.2",
      repositoryOpts: { repo: "https://charts.jetstack.io" },
    });
    expect(chartLocation(CHARTS.envoyGateway, { source: "remote" })).toEqual({
      chart: "oci://docker.io/envoyproxy/gateway-helm",
      version: "v1.9.1",
    });
    expect(chartLocation(CHARTS.loki, { source: "mirror", directory: "/mirror" })).toEqual({
      chart: "/mirror/loki-6.46.0",
      version: "6.46.0",
    });
  });
});

describe("manifest pins", () => {
  it("match the toolchain recipe that fetches them", async () => {
    const recipes = pathToFileURL(join(__dirname, "..", "..", "toolchain", "pieces.mjs")).href;
    const { MANIFESTS } = (await import(recipes)) as {
      MANIFESTS: { name: string; version: string; files?: Record<string, string> }[];
    };
    for (const pin of Object.values(MANIFEST_PINS)) {
      const recipe = MANIFESTS.find((m) => m.name === pin.name);
      expect(recipe?.version).toBe(pin.version);
      expect(Object.keys(recipe?.files ?? {})).toContain(pin.file);
    }
  });
  it("a missing manifest names the command that fetches it", () => {
    expect(() => readManifest(MANIFEST_PINS.cloudNativePg, { SOPHIA_MANIFESTS: "/nonexistent" })).toThrow(
      "cloudnative-pg v1.30.0 manifest not found at /nonexistent/cloudnative-pg-v1.30.0/cnpg.yaml; fetch it with `node toolchain/ensure.mjs --with manifests`",
    );
  });
});
