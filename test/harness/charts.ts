/**
 * A chart mirror for offline previews. The charts' repositories are unreachable here, so each pinned
 * chart is a stand-in: a Chart.yaml with the pinned name and version and no templates. Enough for
 * the real engine and Kubernetes provider to check every Release (chart, version, values, namespace);
 * the charts' own templates are not rendered. Never used outside tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

import { CHARTS, mirrorEntry } from "../../components/charts";

export function writeStandInChartMirror(dir: string): string {
  for (const pin of Object.values(CHARTS)) {
    const chartDir = join(dir, mirrorEntry(pin));
    mkdirSync(join(chartDir, "templates"), { recursive: true });
    writeFileSync(
      join(chartDir, "Chart.yaml"),
      stringify({
        apiVersion: "v2",
        name: pin.chart,
        version: pin.version,
        description: `Test stand-in for ${pin.chart} ${pin.version} from ${pin.repo} (unreachable offline).`,
      }),
    );
  }
  return dir;
}
