/**
 * The monitoring stack's configuration as pure functions: kube-prometheus-stack (Prometheus, the
 * Prometheus operator, AlertManager, Grafana, node-exporter), Loki (single binary) and Grafana Alloy
 * (log shipping), the AlertManager routing, the alert rules and the dashboards.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
import { parse, stringify } from "yaml";

import { readAsset, renderTemplate } from "../assets";
import { containerResources, RESOURCES } from "../charts/resources";
import { everyNodeClassTolerations, NODE_CLASS_LABEL } from "../placement";

/** Release names (they prefix the Services the charts create). */
export const RELEASES = { prometheus: "kube-prometheus-stack", loki: "loki", alloy: "alloy" } as const;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-sophia";
/** Grafana's Service (from the kube-prometheus-stack release name). */
export const GRAFANA_SERVICE = { name: `${RELEASES.prometheus}-grafana`, port: 80 } as const;

export function lokiUrl(namespace: string): string {
  return `http://${RELEASES.loki}-gateway.${namespace}.svc.cluster.local`;
}

export function kubePrometheusStackValues(o: {
  domain: string;
  storageSize: string;
  retention: string;
  lokiUrl: string;
}) {
  return {
    crds: { enabled: true },
    prometheus: {
      prometheusSpec: {
        retention: o.retention,
        // Select every ServiceMonitor, PodMonitor and rule in the cluster, not only this release's.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: {
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storageSize } } },
          },
        },
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        // Our routing (Slack, PagerDuty) from a Secret, instead of credentials in Helm values.
        configSecret: ALERTMANAGER_CONFIG_SECRET,
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      },
    },
    grafana: {
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
      "grafana.ini": {
        server: { domain: `monitor.${o.domain}`, root_url: `https://monitor.${o.domain}` },
        "auth.anonymous": { enabled: false },
        users: { allow_sign_up: false },
        security: { cookie_secure: true, disable_gravatar: true },
      },
      resources: containerResources(["100m", "128Mi"], ["500m", "512Mi"]),
      sidecar: {
        resources: RESOURCES.sidecar,
        dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" },
      },
      additionalDataSources: [{ name: "Loki", type: "loki", uid: "loki", url: o.lokiUrl, access: "proxy" }],
    },
    prometheusOperator: {
      resources: RESOURCES.controller,
      admissionWebhooks: { patch: { resources: RESOURCES.job } },
    },
    // `kube_node_labels` carries the node class, which the GPU-node alert joins on.
    "kube-state-metrics": { resources: RESOURCES.controller, metricLabelsAllowlist: [`nodes=[${NODE_CLASS_LABEL}]`] },
    "prometheus-node-exporter": {
      tolerations: everyNodeClassTolerations(),
      resources: containerResources(["20m", "32Mi"], ["250m", "128Mi"]),
    },
  };
}

export function lokiValues(o: { storageSize: string; retention: string }) {
  return {
    deploymentMode: "SingleBinary",
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: "filesystem" },
      schemaConfig: {
        configs: [
          {
            from: "2026-01-01",
            store: "tsdb",
            object_store: "filesystem",
            schema: "v13",
            index: { prefix: "index_", period: "24h" },
          },
        ],
      },
      limits_config: { retention_period: o.retention },
      compactor: { retention_enabled: true, delete_request_store: "filesystem" },
    },
    singleBinary: {
      replicas: 1,
      persistence: { size: o.storageSize },
      resources: containerResources(["200m", "512Mi"], ["2", "2Gi"]),
    },
    gateway: { resources: RESOURCES.controller },
    // The rules sidecar.
    sidecar: { resources: RESOURCES.sidecar },
    // Single binary: the scalable targets are off.
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  };
}

export function alloyValues(o: { lokiPushUrl: string }) {
  return {
    controller: { type: "deployment", replicas: 1 },
    configReloader: { resources: RESOURCES.sidecar },
    alloy: {
      resources: containerResources(["100m", "128Mi"], ["500m", "512Mi"]),
      configMap: { create: true, content: renderTemplate(readAsset("monitoring/alloy.alloy"), o) },
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 473,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    },
  };
}

/**
 * AlertManager's configuration: everything to Slack, critical alerts also to PagerDuty.
 * Contains credentials: the caller keeps it a secret.
 */
export function alertmanagerConfig(o: {
  slackChannel: string;
  slackWebhookUrl: string;
  pagerdutyRoutingKey?: string;
}): string {
  const routes = o.pagerdutyRoutingKey
    ? [{ receiver: "pagerduty", matchers: ['severity="critical"'], continue: true }]
    : [];
  const config = {
    route: {
      receiver: "slack",
      group_by: ["alertname", "namespace"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [...routes, { receiver: "slack", matchers: ['severity=~"critical|warning"'] }],
    },
    receivers: [
      {
        name: "slack",
        slack_configs: [
          {
            api_url: o.slackWebhookUrl,
            channel: o.slackChannel,
            send_resolved: true,
            title: "{{ .CommonLabels.alertname }} ({{ .Status }})",
            text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
          },
        ],
      },
      ...(o.pagerdutyRoutingKey
        ? [{ name: "pagerduty", pagerduty_configs: [{ routing_key: o.pagerdutyRoutingKey, send_resolved: true }] }]
        : []),
    ],
    inhibit_rules: [
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname"] },
    ],
  };
  return stringify(config);
}

/** The PrometheusRule spec from `k8s/monitoring/alert-rules.yaml`. */
export function alertRules(): { groups: { name: string; rules: Record<string, unknown>[] }[] } {
  return parse(readAsset("monitoring/alert-rules.yaml")) as {
    groups: { name: string; rules: Record<string, unknown>[] }[];
  };
}

/** Grafana dashboards shipped as ConfigMaps (file name → JSON). */
export function dashboards(): Record<string, string> {
  return { "gpu.json": readAsset("monitoring/dashboards/gpu.json") };
}
