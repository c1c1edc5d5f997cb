import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, helmRelease, RESOURCES, type ChartSource } from "../charts";
import { MANIFEST_PINS, readManifestDocuments } from "../manifests";

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};

/**
 * The objects of CloudNativePG's install manifest that we apply. The Namespace is left out (the
 * platform creates it with Pod Security labels). Where no controller runs (the local API server),
 * the webhook configurations are left out too, since the API server would call them for every
 * Cluster and fail, no object waits for readiness and deletion does not wait for the garbage
 * collector.
 */
export function operatorObjects(documents: readonly unknown[], opts: { controllersRun: boolean }): KubeObject[] {
  const docs = documents as readonly (KubeObject | null)[];
  return docs
    .filter((o): o is KubeObject => {
      if (!o) return false;
      if (o.kind === "Namespace") return false;
      if (!opts.controllersRun && /WebhookConfiguration$/.test(o.kind)) return false;
      return true;
    })
    .map((o) =>
      opts.controllersRun
        ? o
        : {
            ...o,
            metadata: {
              ...o.metadata,
              annotations: {
                ...o.metadata.annotations,
                "pulumi.com/skipAwait": "true",
                // Foreground deletion would wait for a garbage collector that does not run.
                "pulumi.com/deletionPropagationPolicy": "background",
              },
            },
          },
    );
}

/** The Barman Cloud plugin chart's values: its one container sized (the chart sets no resources). */
export function barmanCloudPluginValues(): Record<string, unknown> {
  return { resources: RESOURCES.controller };
}

export interface CloudNativePgOperatorArgs {
  /** The `cnpg-system` namespace (created by the platform). */
  readonly namespace: pulumi.Input<string>;
  /** Where the Barman Cloud plugin's chart comes from. */
  readonly chartSource: ChartSource;
  /** Install the Barman Cloud plugin (backups). @default true */
  readonly backupPlugin?: boolean;
  /**
   * Controllers run where objects go. False only for an API server without them (dev): then the
   * admission webhooks are left out and nothing waits for readiness. @default true
   */
  readonly controllersRun?: boolean;
}

/**
 * The CloudNativePG operator from its official install manifest (pinned, fetched by the toolchain),
 * and the Barman Cloud plugin (Helm) for backups.
 * @see https://cloudnative-pg.io/documentation/current/installation_upgrade/
 */
export class CloudNativePgOperator extends pulumi.ComponentResource {
  /** Resources custom resources must wait for (CRDs, operator, plugin). */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: CloudNativePgOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:postgres:CloudNativePgOperator", name, {}, opts);
    const objs = operatorObjects(readManifestDocuments(MANIFEST_PINS.cloudNativePg), {
      controllersRun: args.controllersRun ?? true,
    });
    // The in-process ConfigGroup (not yaml.v2): it needs no cluster to preview, so a plan can be
    // made before the cluster exists, and the program's transforms reach its objects.
    const operator = new k8s.yaml.ConfigGroup(
      `${name}-manifest`,
      { objs, resourcePrefix: `${name}-manifest` },
      { parent: this },
    );
    this.ready = [operator];
    if (args.backupPlugin ?? true) {
      const plugin = helmRelease(
        `${name}-barman-cloud`,
        CHARTS.barmanCloud,
        args.chartSource,
        // The plugin must live in the operator's namespace.
        { name: "plugin-barman-cloud", namespace: args.namespace, values: barmanCloudPluginValues() },
        { parent: this, dependsOn: [operator] },
      );
      if (plugin) this.ready.push(plugin);
    }
    this.registerOutputs({});
  }
}
