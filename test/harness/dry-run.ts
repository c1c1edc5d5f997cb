/**
 * Submitting objects to a real API server (the local one) with a server-side dry run and strict
 * field validation: built-in kinds are checked against the Kubernetes OpenAPI schema, custom
 * resources against their CRDs' schemas. CRDs, Namespaces and ServiceAccounts are created for real
 * (the objects that need them could not be checked otherwise).
 */
import * as k8s from "@kubernetes/client-node";

/**
 * The object API, creating with `fieldValidation=Strict` (unknown or duplicate fields are errors, not
 * warnings) and sending objects untouched.
 */
export class StrictObjectApi extends k8s.KubernetesObjectApi {
  static strict(kc: k8s.KubeConfig): StrictObjectApi {
    const client = kc.makeApiClient(StrictObjectApi);
    client.setDefaultNamespace(kc);
    return client;
  }

  /** Whether the server serves `kind` of `apiVersion` per namespace (undefined: it does not serve it). */
  async namespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return (await this.resource(apiVersion, kind))?.namespaced;
  }

  // Send objects exactly as rendered: the typed models drop fields they do not know
  // (`x-kubernetes-preserve-unknown-fields` in CRD schemas, for one).
  protected override getSerializationType(): Promise<string> {
    return Promise.resolve("KubernetesObject");
  }

  protected override async specUriPath(
    spec: k8s.KubernetesObject,
    action: Parameters<k8s.KubernetesObjectApi["specUriPath"]>[1],
  ): Promise<string> {
    const path = await super.specUriPath(spec, action);
    return action === "create" ? `${path}?fieldValidation=Strict` : path;
  }
}

/** Creates a CRD for real (once) and waits until the API server serves it. */
export async function createCrd(objects: k8s.KubernetesObjectApi, crd: k8s.KubernetesObject): Promise<void> {
  const ref = { apiVersion: crd.apiVersion!, kind: crd.kind!, metadata: { name: crd.metadata!.name! } };
  await objects.read(ref).catch(() => objects.create(crd));
  for (let i = 0; i < 100; i++) {
    const live = (await objects.read(ref)) as { status?: { conditions?: { type: string; status: string }[] } };
    if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${crd.metadata!.name} not established`);
}

/** Submits one object; returns why the server refused it, or undefined. */
export async function submit(objects: k8s.KubernetesObjectApi, obj: k8s.KubernetesObject): Promise<string | undefined> {
  try {
    if (obj.kind === "CustomResourceDefinition") {
      await createCrd(objects, obj);
    } else if (obj.kind === "Namespace" || obj.kind === "ServiceAccount") {
      // Created for real (and reused): a dry run of a namespaced object needs its namespace, and a
      // Pod its service account. No controller creates a namespace's `default` account here.
      const ref = {
        apiVersion: "v1",
        kind: obj.kind,
        metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace },
      };
      await objects.read(ref).catch(() => objects.create(obj));
      if (obj.kind === "Namespace") {
        const sa = {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default", namespace: obj.metadata!.name! },
        };
        await objects.read(sa).catch(() => objects.create(sa));
      }
    } else {
      await objects.create(obj, undefined, "All");
    }
    return undefined;
  } catch (err) {
    const e = err as k8s.ApiException<unknown>;
    return `${obj.kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}: ${e.code} ${typeof e.body === "string" ? e.body : JSON.stringify(e.body)}`;
  }
}

/** The kinds submitted first, in this order: what other objects need to exist. */
const FIRST = ["CustomResourceDefinition", "Namespace", "ServiceAccount"];

/** Submits every object (CRDs, Namespaces and ServiceAccounts first); returns the refusals. */
export async function submitAll(
  objects: k8s.KubernetesObjectApi,
  all: readonly k8s.KubernetesObject[],
): Promise<string[]> {
  const rejected: (string | undefined)[] = [];
  for (const kind of FIRST) for (const o of all.filter((x) => x.kind === kind)) rejected.push(await submit(objects, o));
  for (const o of all.filter((x) => !FIRST.includes(x.kind ?? ""))) rejected.push(await submit(objects, o));
  return rejected.filter((r): r is string => r !== undefined);
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export const WORKLOAD_KINDS = Object.keys(TEMPLATE_PATHS);

/** A Pod from a workload's template, as its controller would create it. */
export function podOf(workload: k8s.KubernetesObject): k8s.KubernetesObject {
  let template: unknown = workload;
  for (const key of TEMPLATE_PATHS[workload.kind ?? ""] ?? []) template = (template as Record<string, unknown>)[key];
  const t = template as { metadata?: object; spec: { volumes?: object[] } };
  const spec = (workload as { spec: { volumeClaimTemplates?: { metadata: { name: string } }[] } }).spec;
  const name = workload.metadata!.name!;
  // A StatefulSet's controller adds one volume per claim template.
  const claims = (spec.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}-0` },
  }));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...t.metadata, name: `${name}-pod`, namespace: workload.metadata!.namespace },
    spec: { ...t.spec, volumes: [...(t.spec.volumes ?? []), ...claims] },
  } as k8s.KubernetesObject;
}
