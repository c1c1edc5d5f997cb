import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

import { chartLocation, CHARTS } from "../../components/charts";
import { MANIFEST_PINS, parseManifest, readManifest, readManifestDocuments } from "../../components/manifests";

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

describe("parsed manifests", () => {
  const dir = mkdtempSync(join(tmpdir(), "sophia-manifests-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { SOPHIA_MANIFESTS: dir };
  const pin = { name: "demo", version: "v1", file: "demo.yaml" };
  mkdirSync(join(dir, "demo-v1"));
  const write = (text: string) => writeFileSync(join(dir, "demo-v1", "demo.yaml"), text);
  const caches = () => readdirSync(join(dir, "demo-v1")).filter((f) => f.endsWith(".json"));

  it("are parsed once and then read from a JSON copy named by the manifest's hash", () => {
    write("kind: A\nmetadata: { name: a }\n---\n---\nkind: B\nlist: [1, 2.5, true, null]\n");
    const first = readManifestDocuments(pin, env);
    expect(first).toEqual([{ kind: "A", metadata: { name: "a" } }, null, { kind: "B", list: [1, 2.5, true, null] }]);
    expect(caches()).toHaveLength(1);
    // The copy is what the second read returns: overwrite it and see.
    writeFileSync(join(dir, "demo-v1", caches()[0]!), JSON.stringify([{ kind: "FromCache" }]));
    expect(readManifestDocuments(pin, env)).toEqual([{ kind: "FromCache" }]);
  });

  it("a changed manifest is parsed afresh, never read from the old copy", () => {
    write("kind: C\n");
    expect(readManifestDocuments(pin, env)).toEqual([{ kind: "C" }]);
    expect(caches()).toHaveLength(2);
  });

  it("CloudNativePG's manifest reads back from its copy exactly as parsed", () => {
    readManifestDocuments(MANIFEST_PINS.cloudNativePg);
    expect(readManifestDocuments(MANIFEST_PINS.cloudNativePg)).toStrictEqual(
      parseManifest(readManifest(MANIFEST_PINS.cloudNativePg)),
    );
  });
});
