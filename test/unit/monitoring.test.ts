import { parse } from "yaml";
import { describe, expect, it } from "vitest";

import { RESOURCES } from "../../components/charts/resources";
import {
  alertmanagerConfig,
  alertRules,
  alloyValues,
  dashboards,
  kubePrometheusStackValues,
  lokiValues,
} from "../../components/monitoring";

interface AlertmanagerYaml {
  route: { receiver: string; routes: unknown[] };
  receivers: { name: string; slack_configs?: unknown[]; pagerduty_configs?: unknown[] }[];
}

describe("AlertManager routing", () => {
  const config = parse(
    alertmanagerConfig({
      slackChannel: "#sophia-alerts",
      slackWebhookUrl: "https://hooks.example/x",
      pagerdutyRoutingKey: "pd-key",
    }),
  ) as AlertmanagerYaml;
  it("sends every alert to Slack #sophia-alerts and critical ones to PagerDuty too", () => {
    expect(config.route.receiver).toBe("slack");
    expect(config.route.routes).toEqual([
      { receiver: "pagerduty", matchers: ['severity="critical"'], continue: true },
      { receiver: "slack", matchers: ['severity=~"critical|warning"'] },
    ]);
    expect(config.receivers.map((r) => r.name)).toEqual(["slack", "pagerduty"]);
    expect(config.receivers[0]?.slack_configs?.[0]).toMatchObject({
      api_url: "https://hooks.example/x",
      channel: "#sophia-alerts",
    });
    expect(config.receivers[1]?.pagerduty_configs).toEqual([{ routing_key: "pd-key", send_resolved: true }]);
  });
  it("has no PagerDuty receiver without a routing key", () => {
    const noPaging = parse(
      alertmanagerConfig({ slackChannel: "#a", slackWebhookUrl: "https://h" }),
    ) as AlertmanagerYaml;
    expect(noPaging.receivers.map((r) => r.name)).toEqual(["slack"]);
    expect(noPaging.route.routes).toHaveLength(1);
  });
});

describe("alert rules", () => {
  const rules = alertRules().groups.flatMap((g) => g.rules) as {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: string };
  }[];
  it("cover the plan's targets", () => {
    expect(rules.map((r) => [r.alert, r.labels.severity, r.for])).toEqual([
      ["SophiaApiLatencyP95High", "critical", "10m"],
      ["SophiaApiErrorRateHigh", "critical", "10m"],
      ["SophiaTargetDown", "critical", "5m"],
      ["SophiaGpuSaturated", "warning", "15m"],
      ["SophiaGpuMemoryNearlyFull", "warning", "10m"],
      ["SophiaGpuNodeNotReady", "critical", "5m"],
      ["SophiaPostgresWalArchivingFailing", "critical", "5m"],
      ["SophiaPostgresWalArchiveLagging", "critical", "15m"],
      ["SophiaPostgresBaseBackupTooOld", "critical", "15m"],
      ["SophiaRedisMasterUnreachable", "critical", "1m"],
      ["SophiaRedisFailover", "warning", undefined],
      ["SophiaCertificateExpiringSoon", "warning", "1h"],
      ["SophiaCertificateExpiryImminent", "critical", "10m"],
    ]);
  });
  it("read the metrics the real exporters emit (CNPG, the Barman Cloud plugin, redis_exporter, cert-manager, kube-state-metrics)", () => {
    const expr = (alert: string) => rules.find((r) => r.alert === alert)!.expr;
    expect(expr("SophiaPostgresWalArchivingFailing")).toContain("cnpg_pg_stat_archiver_last_failed_time");
    expect(expr("SophiaPostgresWalArchiveLagging")).toContain('cnpg_collector_pg_wal_archive_status{value="ready"}');
    expect(rules.find((r) => r.alert === "SophiaPostgresWalArchiveLagging")!.for).toBe("15m"); // the RPO
    expect(expr("SophiaPostgresBaseBackupTooOld")).toContain(
      "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    );
    expect(expr("SophiaRedisMasterUnreachable")).toContain("redis_sentinel_master_status");
    expect(expr("SophiaRedisFailover")).toContain("changes(redis_sentinel_master_config_epoch[5m])");
    expect(expr("SophiaCertificateExpiringSoon")).toContain("certmanager_certificate_expiration_timestamp_seconds");
    expect(expr("SophiaGpuNodeNotReady")).toContain('kube_node_status_condition{condition="Ready", status="true"}');
    expect(expr("SophiaGpuNodeNotReady")).toContain("label_sophia_intel_ai_node_class");
  });
  it("kube-state-metrics exports the node-class label the GPU-node alert joins on", () => {
    const values = kubePrometheusStackValues({ domain: "d", storageSize: "1Gi", retention: "1d", lokiUrl: "http://l" });
    expect(values["kube-state-metrics"]).toEqual({
      resources: RESOURCES.controller,
      metricLabelsAllowlist: ["nodes=[sophia-intel.ai/node-class]"],
    });
  });
  it("use the plan's thresholds: p95 over 200 ms, errors over 0.1%", () => {
    expect(rules[0]!.expr).toMatch(/histogram_quantile\(0\.95,[\s\S]*\) > 0\.2\s*$/);
    expect(rules[1]!.expr).toMatch(/> 0\.001\s*$/);
    expect(rules[3]!.expr).toContain("DCGM_FI_DEV_GPU_UTIL");
  });
});

describe("charts' values", () => {
  it("Grafana: login required, admin from a Secret, at monitor.<domain>, Loki as a data source", () => {
    const v = kubePrometheusStackValues({
      domain: "sophia-intel.ai",
      storageSize: "50Gi",
      retention: "30d",
      lokiUrl: "http://loki",
    });
    expect(v.grafana.admin).toEqual({
      existingSecret: "grafana-admin",
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    expect(v.grafana["grafana.ini"]).toEqual({
      server: { domain: "monitor.sophia-intel.ai", root_url: "https://monitor.sophia-intel.ai" },
      "auth.anonymous": { enabled: false },
      users: { allow_sign_up: false },
      security: { cookie_secure: true, disable_gravatar: true },
    });
    expect(v.grafana.additionalDataSources).toEqual([
      { name: "Loki", type: "loki", uid: "loki", url: "http://loki", access: "proxy" },
    ]);
    expect(v.alertmanager.alertmanagerSpec.configSecret).toBe("alertmanager-sophia");
    // No credential in the values (the chart's admissionWebhooks is not a Slack hook).
    expect(JSON.stringify(v)).not.toMatch(/hooks\.slack|routing_key|password":/);
  });
  it("Loki: single binary on a volume with retention", () => {
    const v = lokiValues({ storageSize: "50Gi", retention: "720h" });
    expect(v.deploymentMode).toBe("SingleBinary");
    expect(v.singleBinary).toEqual({
      replicas: 1,
      persistence: { size: "50Gi" },
      resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
    });
    // Every container the chart runs in this mode is sized: Loki, its gateway, the rules sidecar.
    expect(v.gateway.resources.limits).toEqual({ cpu: "500m", memory: "256Mi" });
    expect(v.sidecar.resources.limits).toEqual({ cpu: "100m", memory: "128Mi" });
    expect(v.loki.limits_config).toEqual({ retention_period: "720h" });
  });
  it("Alloy: one replica shipping pod logs to Loki, non-root and read-only", () => {
    const v = alloyValues({ lokiPushUrl: "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push" });
    expect(v.controller).toEqual({ type: "deployment", replicas: 1 });
    expect(v.alloy.configMap.content).toContain(
      'url = "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"',
    );
    expect(v.alloy.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  });
  it("GPU dashboard: valid JSON over DCGM metrics", () => {
    const gpu = JSON.parse(dashboards()["gpu.json"]!) as { uid: string; panels: { targets: { expr: string }[] }[] };
    expect(gpu.uid).toBe("sophia-gpus");
    expect(gpu.panels.map((p) => p.targets[0]!.expr.split("{")[0])).toEqual([
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_POWER_USAGE",
      "DCGM_FI_DEV_GPU_TEMP",
      "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
      "DCGM_FI_DEV_XID_ERRORS",
    ]);
  });
});
