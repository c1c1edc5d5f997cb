/**
 * The third-party charts for tests and offline previews: the real charts from a local mirror
 * (`SOPHIA_CHART_MIRROR`, default `../shared/mirror` beside the repository, as the CI lays it out),
 * or, without one, the charts' own repositories as for a real user. A mirror holds each pinned chart
 * unpacked with its dependencies as `charts/<chart>-<version>/`; where a pinned version is not to be
 * had, `fallback/<chart>-<other version>/` stands in for it, and every test using one says so.
 * Never used outside tests.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";

import { CHARTS, mirrorEntry, type ChartDefaults, type ChartPin } from "../../components/charts";
import { repoRoot } from "./stack-config";

/** The environment variable naming the mirror directory. */
export const CHART_MIRROR_ENV = "SOPHIA_CHART_MIRROR";

export type ChartKey = keyof typeof CHARTS;

/** Where one pinned chart comes from in a test run. */
export interface ChartFrom {
  readonly key: ChartKey;
  readonly pin: ChartPin;
  /** The unpacked chart (mirror), or undefined: the chart's repository. */
  readonly dir?: string;
  /** The version the chart really is (differs from the pin for a fallback). */
  readonly version: string;
  /** A fallback: the mirror lacks the pinned version, and this nearest one stands in for it. */
  readonly fallback: boolean;
}

/** The mirror the CI lays out beside the clone (`../shared/mirror` from the repository root). */
export const MIRROR_BESIDE_REPO = resolve(repoRoot, "..", "shared", "mirror");

/**
 * The mirror directory: `$SOPHIA_CHART_MIRROR` (which must exist; `none` asks for the charts'
 * repositories), else `beside` (`../shared/mirror`) when present, else undefined (the repositories).
 */
export function chartMirror(
  env: Record<string, string | undefined> = process.env,
  beside: string = MIRROR_BESIDE_REPO,
): string | undefined {
  const named = env[CHART_MIRROR_ENV];
  if (named === "none") return undefined;
  if (named) {
    const dir = resolve(named);
    if (!existsSync(dir)) {
      throw new Error(
        `${CHART_MIRROR_ENV}=${named}: no such directory (set it to a chart mirror, or to "none" for the charts' repositories)`,
      );
    }
    return dir;
  }
  return existsSync(join(beside, "charts")) ? beside : undefined;
}

function chartVersion(dir: string): string {
  return String((parse(readFileSync(join(dir, "Chart.yaml"), "utf8")) as { version: unknown }).version);
}

/**
 * Every pinned chart, from `mirror` when given (the pinned version, else its fallback; a chart the
 * mirror has neither of is an error naming it), else from its repository.
 */
export function chartsFrom(mirror: string | undefined): ChartFrom[] {
  const out: ChartFrom[] = [];
  const missing: string[] = [];
  for (const [key, pin] of Object.entries(CHARTS) as [ChartKey, ChartPin][]) {
    if (mirror === undefined) {
      out.push({ key, pin, version: pin.version, fallback: false });
      continue;
    }
    const pinned = join(mirror, "charts", mirrorEntry(pin));
    if (existsSync(join(pinned, "Chart.yaml"))) {
      out.push({ key, pin, dir: pinned, version: chartVersion(pinned), fallback: false });
      continue;
    }
    const fallbackDir = join(mirror, "fallback");
    const candidates = existsSync(fallbackDir)
      ? readdirSync(fallbackDir).filter(
          (n) => n.startsWith(`${pin.chart}-`) && existsSync(join(fallbackDir, n, "Chart.yaml")),
        )
      : [];
    const chosen = candidates.sort().at(-1);
    if (chosen === undefined) {
      missing.push(`${pin.chart} ${pin.version} (no ${pinned}, no ${join(fallbackDir, `${pin.chart}-*`)})`);
      continue;
    }
    const dir = join(fallbackDir, chosen);
    out.push({ key, pin, dir, version: chartVersion(dir), fallback: true });
  }
  if (missing.length > 0) {
    throw new Error(`the chart mirror ${mirror} lacks ${missing.join("; ")}`);
  }
  return out;
}

/** One line per fallback, for the test output. */
export function fallbackNotes(charts: readonly ChartFrom[]): string[] {
  return charts
    .filter((c) => c.fallback)
    .map((c) => `FALLBACK: ${c.pin.chart} ${c.version} from ${c.dir} stands in for the pinned ${c.pin.version}`);
}

/**
 * A mirror laid out the way the program reads one (`<dir>/<chart>-<pinned version>/`), linking each
 * entry to the real chart. A fallback is linked file by file except its Chart.yaml, which is copied
 * with the pinned version (and says what it is): the Kubernetes provider reports a local chart's
 * own version as the release's, and previews must show the pins. For previews with
 * `charts.source: mirror`; the rendering tests use the fallback as it is.
 */
export function linkProgramMirror(dir: string, charts: readonly ChartFrom[]): string {
  mkdirSync(dir, { recursive: true });
  for (const c of charts) {
    if (!c.dir) throw new Error(`chart ${c.pin.chart} has no local copy to link`);
    const entry = join(dir, mirrorEntry(c.pin));
    if (!c.fallback) {
      symlinkSync(c.dir, entry);
      continue;
    }
    mkdirSync(entry);
    for (const name of readdirSync(c.dir)) {
      if (name !== "Chart.yaml") symlinkSync(join(c.dir, name), join(entry, name));
    }
    const chart = parse(readFileSync(join(c.dir, "Chart.yaml"), "utf8")) as Record<string, unknown>;
    const note = `Test fallback: ${c.pin.chart} ${c.version} (${c.dir}) standing in for the pinned ${c.pin.version}.`;
    writeFileSync(join(entry, "Chart.yaml"), stringify({ ...chart, version: c.pin.version, description: note }));
  }
  return dir;
}

/** A chart's defaults and its dependencies' (unpacked under `charts/`), for the values-key check. */
export function readChartDefaults(dir: string): ChartDefaults {
  const chart = parse(readFileSync(join(dir, "Chart.yaml"), "utf8")) as {
    dependencies?: { name: string; alias?: string }[];
  };
  const dependencies: Record<string, ChartDefaults> = {};
  for (const dep of chart.dependencies ?? []) {
    const sub = join(dir, "charts", dep.name);
    if (!existsSync(join(sub, "Chart.yaml")))
      throw new Error(`${dir}: dependency ${dep.name} is not unpacked in ${sub}`);
    dependencies[dep.alias ?? dep.name] = readChartDefaults(sub);
  }
  const valuesFile = join(dir, "values.yaml");
  const values: unknown = existsSync(valuesFile) ? parse(readFileSync(valuesFile, "utf8")) : {};
  return { values: values ?? {}, dependencies };
}

/** The arguments naming a chart for `helm template`/`helm pull`: its directory, or repository and version. */
export function helmChartArgs(c: ChartFrom): string[] {
  if (c.dir) return [c.dir];
  if (c.pin.repo.startsWith("oci://")) return [`${c.pin.repo}/${c.pin.chart}`, "--version", c.pin.version];
  return [c.pin.chart, "--repo", c.pin.repo, "--version", c.pin.version];
}

/**
 * Every chart, unpacked, before any test renders one: from the mirror, or pulled from its
 * repository into a temp directory. Fails with one message naming what is missing: the mirror,
 * and each repository that did not answer.
 */
export function requireCharts(
  helm: string,
  env: Record<string, string | undefined> = process.env,
  beside: string = MIRROR_BESIDE_REPO,
): ChartFrom[] {
  const mirror = chartMirror(env, beside);
  const charts = chartsFrom(mirror);
  if (mirror !== undefined) return charts;
  const dest = mkdtempSync(join(tmpdir(), "sophia-charts-"));
  const unreachable: string[] = [];
  const pulled: ChartFrom[] = [];
  for (const c of charts) {
    const into = join(dest, c.key);
    const r = spawnSync(helm, ["pull", ...helmChartArgs(c), "--untar", "--untardir", into], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.status === 0) pulled.push({ ...c, dir: join(into, c.pin.chart) });
    else
      unreachable.push(`${c.pin.chart} ${c.pin.version} from ${c.pin.repo} (${lastLine(r.stderr || String(r.error))})`);
  }
  if (unreachable.length > 0) {
    rmSync(dest, { recursive: true, force: true });
    throw new Error(
      `no Helm charts to render: no chart mirror (${CHART_MIRROR_ENV} ` +
        `${env[CHART_MIRROR_ENV] === "none" ? "is none" : `is unset and ${beside} does not exist`}), and the charts' repositories did not ` +
        `answer: ${unreachable.join("; ")}. Set ${CHART_MIRROR_ENV} to a mirror (charts/<chart>-<version>/) ` +
        `or allow access to the repositories.`,
    );
  }
  return pulled;
}

const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";
