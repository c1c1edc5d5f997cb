/**
 * The timeline of one `pulumi preview` from the CLI's OpenTelemetry trace (`--otel-traces
 * file://<path>`: one JSON object a line, each an OTLP `resourceSpans` export). Used by
 * scripts/profile-preview.ts `--trace` (issue 18): when each plugin started and how long its start
 * took, when the program ran, when registrations began and ended, and how many provider and
 * analyzer calls the engine made and how long they took in total (the engine's step generation
 * waits for each of them in turn).
 */

/** One span as the trace file has it. */
export interface TraceSpan {
  /** The process that recorded it: `pulumi-cli`, `pulumi-language-host`, … */
  readonly service: string;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly attributes: Readonly<Record<string, string>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpLine {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: {
        name: string;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: { key: string; value: OtlpValue }[];
      }[];
    }[];
  }[];
}

function text(v: OtlpValue | undefined): string {
  if (v === undefined) return "";
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return "";
}

/** Every span of a trace file's text (lines that are not JSON are skipped). */
export function parseTrace(fileText: string): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (const line of fileText.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let parsed: OtlpLine;
    try {
      parsed = JSON.parse(line) as OtlpLine;
    } catch {
      continue;
    }
    for (const rs of parsed.resourceSpans ?? []) {
      const service = text(rs.resource?.attributes?.find((a) => a.key === "service.name")?.value) || "?";
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes: Record<string, string> = {};
          // The first value of a repeated key (the gRPC spans repeat Msg/Time per message).
          for (const a of s.attributes ?? []) if (!(a.key in attributes)) attributes[a.key] = text(a.value);
          spans.push({
            service,
            name: s.name,
            start: Number(BigInt(s.startTimeUnixNano)) / 1e9,
            end: Number(BigInt(s.endTimeUnixNano)) / 1e9,
            attributes,
          });
        }
      }
    }
  }
  return spans;
}

/** One line of the timeline: seconds after the CLI's first span. */
export interface TimelineRow {
  readonly at: number;
  readonly until?: number;
  readonly what: string;
}

/** gRPC methods the engine calls on plugins, counted and summed (client side, in the CLI). */
const COUNTED = [
  "pulumirpc.ResourceMonitor/RegisterResource",
  "pulumirpc.ResourceProvider/Check",
  "pulumirpc.ResourceProvider/Diff",
  "pulumirpc.ResourceProvider/Construct",
  "pulumirpc.Analyzer/Remediate",
  "pulumirpc.Analyzer/Analyze",
  "pulumirpc.Analyzer/AnalyzeStack",
];

/** The timeline of a preview from its spans, in time order (pure; test/unit/otel-timeline.test.ts). */
export function previewTimeline(spans: readonly TraceSpan[]): TimelineRow[] {
  if (spans.length === 0) return [];
  const t0 = Math.min(...spans.map((s) => s.start));
  const rel = (t: number) => Math.round((t - t0) * 1000) / 1000;
  const rows: TimelineRow[] = [];
  const cli = spans.filter((s) => s.service === "pulumi-cli");
  for (const s of cli.filter((x) => x.name === "newPlugin")) {
    const kind = s.attributes["kind"] ?? "plugin";
    const prefix = s.attributes["prefix"] ?? "?";
    rows.push({ at: rel(s.start), until: rel(s.end), what: `${kind} plugin started: ${prefix}` });
  }
  const run = cli.find((s) => s.name === "pulumirpc.LanguageRuntime/Run");
  if (run) rows.push({ at: rel(run.start), until: rel(run.end), what: "program run (LanguageRuntime/Run)" });
  for (const method of COUNTED) {
    const calls = cli.filter((s) => s.name === method);
    if (calls.length === 0) continue;
    const first = Math.min(...calls.map((s) => s.start));
    const last = Math.max(...calls.map((s) => s.end));
    const total = calls.reduce((sum, s) => sum + (s.end - s.start), 0);
    rows.push({
      at: rel(first),
      until: rel(last),
      what: `${calls.length} × ${method.split(".")[1]} (${total.toFixed(2)} s summed)`,
    });
  }
  // Pauses in the program's registrations: the engine has nothing to do while the program runs
  // synchronous code, or while every remaining registration waits on one output.
  const starts = cli
    .filter((s) => s.name === "pulumirpc.ResourceMonitor/RegisterResource")
    .map((s) => s.start)
    .sort((a, b) => a - b);
  const gaps = starts
    .slice(1)
    .map((t, i) => ({ from: starts[i]!, to: t }))
    .filter((g) => g.to - g.from >= 0.25)
    .sort((a, b) => b.to - b.from - (a.to - a.from))
    .slice(0, 3);
  for (const g of gaps)
    rows.push({
      at: rel(g.from),
      until: rel(g.to),
      what: `no registration for ${(g.to - g.from).toFixed(2)} s`,
    });
  const root = cli.find((s) => s.name === "pulumi");
  if (root) rows.push({ at: rel(root.start), until: rel(root.end), what: "the CLI command" });
  return rows.sort((a, b) => a.at - b.at || (b.until ?? 0) - (a.until ?? 0));
}

/** The timeline as printable lines. */
export function formatTimeline(rows: readonly TimelineRow[]): string[] {
  return rows.map(
    (r) =>
      `  ${r.at.toFixed(2).padStart(6)} s${r.until === undefined ? "         " : ` → ${r.until.toFixed(2).padStart(6)} s`}  ${r.what}`,
  );
}
