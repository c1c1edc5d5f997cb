/**
 * Where the tests take the charts from (test/harness/charts.ts): the mirror, its fallbacks, the
 * charts' repositories, and one message naming everything missing when there is neither.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { CHARTS, mirrorEntry } from "../../components/charts";
import {
  chartMirror,
  chartsFrom,
  fallbackNotes,
  helmChartArgs,
  linkProgramMirror,
  readChartDefaults,
  requireCharts,
} from "../harness/charts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sophia-mirror-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function chart(path: string, version: string, extra: { values?: string; deps?: string } = {}): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "Chart.yaml"), `apiVersion: v2\nname: x\nversion: ${version}\n${extra.deps ?? ""}`);
  if (extra.values !== undefined) writeFileSync(join(path, "values.yaml"), extra.values);
}

/** A mirror with every pin, certManager only as a fallback. */
function mirror(): string {
  const m = join(dir, "mirror");
  for (const [key, pin] of Object.entries(CHARTS)) {
    if (key === "certManager") chart(join(m, "fallback", "cert-manager-v1.21.1"), "v1.21.1");
    else chart(join(m, "charts", mirrorEntry(pin)), pin.version);
  }
  return m;
}

describe("the chart mirror for tests", () => {
  it("is SOPHIA_CHART_MIRROR, else the mirror beside the repository, else none (the repositories)", () => {
    const m = mirror();
    expect(chartMirror({ SOPHIA_CHART_MIRROR: m }, "/nonexistent")).toBe(m);
    expect(chartMirror({}, m)).toBe(m);
    expect(chartMirror({}, join(dir, "nowhere"))).toBeUndefined();
    expect(chartMirror({ SOPHIA_CHART_MIRROR: "none" }, m)).toBeUndefined();
    expect(() => chartMirror({ SOPHIA_CHART_MIRROR: join(dir, "typo") }, m)).toThrow(
      `SOPHIA_CHART_MIRROR=${join(dir, "typo")}: no such directory`,
    );
  });

  it("takes each pin from charts/, a missing one from fallback/, and says so", () => {
    const charts = chartsFrom(mirror());
    const cm = charts.find((c) => c.key === "certManager")!;
    expect(cm).toMatchObject({ version: "v1.21.1", fallback: true });
    expect(charts.filter((c) => c.fallback)).toHaveLength(1);
    expect(fallbackNotes(charts)).toEqual([
      `FALLBACK: cert-manager v1.21.1 from ${cm.dir} stands in for the pinned v1.21.2`,
    ]);
    // The program's layout: <chart>-<pinned version>, linked to what the mirror has.
    const linked = linkProgramMirror(join(dir, "program"), charts);
    expect(readlinkSync(join(linked, "loki-6.46.0"))).toBe(charts.find((c) => c.key === "loki")!.dir);
    // A fallback keeps its files but carries the pin's version (the provider reports a chart's own).
    const stamped = parse(readFileSync(join(linked, "cert-manager-v1.21.2", "Chart.yaml"), "utf8")) as {
      version: string;
      description: string;
    };
    expect(stamped.version).toBe("v1.21.2");
    expect(stamped.description).toContain("Test fallback: cert-manager v1.21.1");
    expect(helmChartArgs(cm)).toEqual([cm.dir]);
  });

  it("names a chart the mirror has in neither form", () => {
    const m = mirror();
    rmSync(join(m, "charts", "loki-6.46.0"), { recursive: true });
    expect(() => chartsFrom(m)).toThrow(
      `the chart mirror ${m} lacks loki 6.46.0 (no ${join(m, "charts", "loki-6.46.0")}`,
    );
  });

  it("without a mirror, names the charts' repositories for Helm", () => {
    const charts = chartsFrom(undefined);
    expect(helmChartArgs(charts.find((c) => c.key === "loki")!)).toEqual([
      "loki",
      "--repo",
      "https://grafana.github.io/helm-charts",
      "--version",
      "6.46.0",
    ]);
    expect(helmChartArgs(charts.find((c) => c.key === "envoyGateway")!)).toEqual([
      "oci://docker.io/envoyproxy/gateway-helm",
      "--version",
      "v1.9.1",
    ]);
  });

  it("with neither mirror nor reachable repositories, fails once naming the mirror and every repository", () => {
    const helm = join(dir, "helm");
    writeFileSync(helm, '#!/bin/sh\necho "Error: could not reach the repository" >&2\nexit 1\n');
    chmodSync(helm, 0o755);
    let message = "";
    try {
      requireCharts(helm, {}, join(dir, "no-mirror"));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      `no chart mirror (SOPHIA_CHART_MIRROR is unset and ${join(dir, "no-mirror")} does not exist)`,
    );
    for (const pin of Object.values(CHARTS)) expect(message).toContain(`${pin.chart} ${pin.version} from ${pin.repo}`);
    expect(message).toContain("Error: could not reach the repository");
    expect(message.split("\n")).toHaveLength(1);
  });

  it("reads a chart's defaults with its dependencies' under their alias or name", () => {
    const c = join(dir, "parent");
    chart(c, "1.0.0", {
      values: "a: 1\nsub2: { x: 2 }\n",
      deps: "dependencies:\n  - name: sub\n    alias: sub2\n  - name: crds\n",
    });
    chart(join(c, "charts", "sub"), "1.0.0", { values: "x: 1\ny: 1\n" });
    chart(join(c, "charts", "crds"), "1.0.0");
    expect(readChartDefaults(c)).toEqual({
      values: { a: 1, sub2: { x: 2 } },
      dependencies: {
        sub2: { values: { x: 1, y: 1 }, dependencies: {} },
        crds: { values: {}, dependencies: {} },
      },
    });
  });
});
