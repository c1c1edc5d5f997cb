import { describe, expect, it } from "vitest";

import { formatTimeline, parseTrace, previewTimeline } from "../../scripts/otel-timeline";

/** One OTLP export line, as the CLI's `--otel-traces file://` writes it. */
function line(service: string, spans: { name: string; start: number; end: number; attrs?: Record<string, string> }[]) {
  const ns = (s: number) => String(BigInt(Math.round(s * 1000)) * 1_000_000n + 1_796_400_000_000_000_000n);
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: spans.map((s) => ({
              name: s.name,
              startTimeUnixNano: ns(s.start),
              endTimeUnixNano: ns(s.end),
              attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
            })),
          },
        ],
      },
    ],
  });
}

const trace = [
  line("pulumi-cli", [
    { name: "pulumi", start: 0, end: 10 },
    { name: "newPlugin", start: 0.1, end: 0.2, attrs: { kind: "language", prefix: "nodejs" } },
    { name: "pulumirpc.LanguageRuntime/Run", start: 0.3, end: 9.5 },
    { name: "pulumirpc.ResourceMonitor/RegisterResource", start: 1, end: 1.1 },
    { name: "pulumirpc.ResourceMonitor/RegisterResource", start: 4, end: 4.5 },
    { name: "pulumirpc.ResourceMonitor/RegisterResource", start: 4.1, end: 4.2 },
    { name: "newPlugin", start: 4.2, end: 5.2, attrs: { kind: "resource", prefix: "pulumi-nodejs (resource)" } },
    { name: "pulumirpc.ResourceProvider/Check", start: 5.2, end: 5.3 },
    { name: "pulumirpc.ResourceProvider/Check", start: 5.4, end: 5.6 },
  ]),
  "not json",
  line("pulumi-language-host", [{ name: "/pulumirpc.ResourceMonitor/RegisterResource", start: 1, end: 1.1 }]),
  "",
].join("\n");

describe("the preview timeline from the CLI's OpenTelemetry trace", () => {
  it("reads every span with its service and first attribute values, skipping lines that are not JSON", () => {
    const spans = parseTrace(trace);
    expect(spans).toHaveLength(10);
    expect(spans.filter((s) => s.service === "pulumi-language-host").map((s) => s.name)).toEqual([
      "/pulumirpc.ResourceMonitor/RegisterResource",
    ]);
    const check = spans.find((s) => s.name.endsWith("/Check"))!;
    expect(check.end - check.start).toBeCloseTo(0.1, 6);
    expect(spans.find((s) => s.name === "newPlugin")!.attributes).toEqual({ kind: "language", prefix: "nodejs" });
  });

  it("places plugin starts, the program, call counts with summed time and registration pauses, in time order", () => {
    const rows = previewTimeline(parseTrace(trace));
    expect(rows.map((r) => [r.at, r.until, r.what])).toEqual([
      [0, 10, "the CLI command"],
      [0.1, 0.2, "language plugin started: nodejs"],
      [0.3, 9.5, "program run (LanguageRuntime/Run)"],
      // Counted on the CLI's side only: the language host's server span is not a second call.
      [1, 4.5, "3 × ResourceMonitor/RegisterResource (0.70 s summed)"],
      [1, 4, "no registration for 3.00 s"],
      [4.2, 5.2, "resource plugin started: pulumi-nodejs (resource)"],
      [5.2, 5.6, "2 × ResourceProvider/Check (0.30 s summed)"],
    ]);
    expect(formatTimeline(rows)[4]).toBe("    1.00 s →   4.00 s  no registration for 3.00 s");
  });

  it("is empty for an empty trace", () => {
    expect(previewTimeline(parseTrace(""))).toEqual([]);
  });
});
