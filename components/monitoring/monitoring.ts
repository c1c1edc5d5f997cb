import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { CHARTS, helmRelease, type ChartSource } from "../charts";
import { hostRouteSpec, httpRoute, type GatewayRef } from "../ingress";
import {
  ALERTMANAGER_CONFIG_SECRET,
  alertmanagerConfig,
  alertRules,
  alloyValues,
  dashboards,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_SERVICE,
  kubePrometheusStackValues,
  lokiUrl,
  lokiValues,
  RELEASES,
} from "./monitoring-values";

export interface MonitoringArgs {
  /** The stack's base domain: Grafana is `monitor.<domain>`. */
  readonly domain: string;
  /** The `monitoring` namespace. */
  readonly namespace: pulumi.Input<string>;
  /**
   * Where the Helm charts come from (their repositories, a local mirror, or none when rendering).
   * @see https://helm.sh/docs/topics/charts/
   */
  readonly chartSource: ChartSource;
  /** Grafana's admin password (secret). */
  readonly grafanaAdminPassword: pulumi.Input<string>;
  /** AlertManager's Slack channel, e.g. `#sophia-alerts`. */
  readonly slackChannel: string;
  /** Slack incoming-webhook URL (secret). */
  readonly slackWebhookUrl: pulumi.Input<string>;
  /**
   * PagerDuty Events v2 routing key (secret).
   * @default none (no paging)
   * @see https://developer.pagerduty.com/docs/events-api-v2/overview/
   */
  readonly pagerdutyRoutingKey?: pulumi.Input<string>;
  /** The Gateway to publish Grafana on (`monitor.<domain>`). @default none (not published) */
  readonly gateway?: GatewayRef;
  /** Prometheus volume size. @default "50Gi" */
  readonly prometheusStorage?: string;
  /**
   * How long Prometheus keeps metrics.
   * @default "30d"
   * @see https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
   */
  readonly retention?: string;
}

/**
 * Prometheus, AlertManager (Slack and PagerDuty), Grafana at `monitor.<domain>` behind its login,
 * Loki with Alloy shipping pod logs, the platform's alert rules and GPU dashboards.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** What ServiceMonitors, PodMonitors and rules wait for (the kube-prometheus-stack release's CRDs). */
  public readonly prometheusOperator: pulumi.Resource[];
  public readonly grafanaUrl: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:monitoring:Monitoring", name, {}, opts);
    const ns = pulumi.output(args.namespace);
    const retention = args.retention ?? "30d";
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET, namespace: ns },
        stringData: { "admin-user": "admin", "admin-password": pulumi.secret(args.grafanaAdminPassword) },
      },
      { parent: this },
    );
    const alertmanagerSecret = new k8s.core.v1.Secret(
      `${name}-alertmanager-config`,
      {
        metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: ns },
        stringData: {
          "alertmanager.yaml": pulumi.secret(
            pulumi
              .all([args.slackWebhookUrl, args.pagerdutyRoutingKey])
              .apply(([slackWebhookUrl, pagerdutyRoutingKey]) =>
                alertmanagerConfig({ slackChannel: args.slackChannel, slackWebhookUrl, pagerdutyRoutingKey }),
              ),
          ),
        },
      },
      { parent: this },
    );
    const prometheus = helmRelease(
      `${name}-kube-prometheus-stack`,
      CHARTS.kubePrometheusStack,
      args.chartSource,
      {
        name: RELEASES.prometheus,
        namespace: ns,
        values: ns.apply((n) =>
          kubePrometheusStackValues({
            domain: args.domain,
            storageSize: args.prometheusStorage ?? "50Gi",
            retention,
            lokiUrl: lokiUrl(n),
          }),
        ),
      },
      { parent: this, dependsOn: [adminSecret, alertmanagerSecret] },
    );
    const loki = helmRelease(
      `${name}-loki`,
      CHARTS.loki,
      args.chartSource,
      { name: RELEASES.loki, namespace: ns, values: lokiValues({ storageSize: "50Gi", retention: "720h" }) },
      { parent: this },
    );
    helmRelease(
      `${name}-alloy`,
      CHARTS.alloy,
      args.chartSource,
      {
        name: RELEASES.alloy,
        namespace: ns,
        values: ns.apply((n) => alloyValues({ lokiPushUrl: `${lokiUrl(n)}/loki/api/v1/push` })),
      },
      { parent: this, dependsOn: loki ? [loki] : [] },
    );
    const afterPrometheus = prometheus ? [prometheus] : [];
    new k8s.apiextensions.CustomResource(
      `${name}-alert-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "sophia-alerts", namespace: ns },
        spec: alertRules(),
      },
      { parent: this, dependsOn: afterPrometheus },
    );
    new k8s.core.v1.ConfigMap(
      `${name}-dashboards`,
      {
        metadata: { name: "sophia-dashboards", namespace: ns, labels: { grafana_dashboard: "1" } },
        data: dashboards(),
      },
      { parent: this },
    );
    if (args.gateway) {
      httpRoute(
        `${name}-grafana-route`,
        {
          metadata: { name: "grafana", namespace: ns },
          spec: hostRouteSpec(args.gateway, "monitor", args.domain, GRAFANA_SERVICE),
        },
        { parent: this, dependsOn: afterPrometheus },
      );
    }
    this.prometheusOperator = afterPrometheus;
    this.grafanaUrl = `https://monitor.${args.domain}`;
    this.registerOutputs({ grafanaUrl: this.grafanaUrl });
  }
}
