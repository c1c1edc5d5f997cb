/**
 * The kubeconfig k3s writes (`/etc/rancher/k3s/k3s.yaml`), rewritten for use from outside the
 * node: the server address becomes the first server's public address and every `default` name the
 * cluster's. Pure and deterministic: the same input gives the same bytes, because a changed
 * kubeconfig would replace the Kubernetes provider and every object on it (pulumi-kubernetes#2745).
 */
import { parse, stringify } from "yaml";

interface NamedCluster {
  name: string;
  cluster: { server?: string; [k: string]: unknown };
}
interface NamedContext {
  name: string;
  context: { cluster?: string; user?: string; [k: string]: unknown };
}
interface NamedUser {
  name: string;
  user: Record<string, unknown>;
}
interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters?: NamedCluster[];
  contexts?: NamedContext[];
  users?: NamedUser[];
  "current-context"?: string;
  preferences?: Record<string, unknown>;
  [k: string]: unknown;
}

const LOCAL_SERVER = /^https:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/;

/**
 * Rewrites k3s's kubeconfig. Errors never quote the input (it holds the admin credentials).
 * @param raw the node's k3s.yaml
 * @param publicAddress the first server's public address (IP or DNS name)
 * @param clusterName replaces `default` in cluster, user and context names
 */
export function rewriteKubeconfig(raw: string, publicAddress: string, clusterName: string): string {
  let doc: Kubeconfig;
  try {
    doc = parse(raw) as Kubeconfig;
  } catch {
    throw new Error("the node's k3s.yaml is not valid YAML (content not shown: it holds credentials)");
  }
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
    throw new Error("the node's k3s.yaml has no clusters (content not shown: it holds credentials)");
  }
  const host = publicAddress.includes(":") ? `[${publicAddress}]` : publicAddress;
  const rename = (n: string | undefined) => (n === "default" || n === undefined ? clusterName : n);
  const clusters = doc.clusters.map((c) => {
    const server = c.cluster.server ?? "";
    const m = LOCAL_SERVER.exec(server);
    if (!m) throw new Error("the node's k3s.yaml server is not a loopback https address; refusing to rewrite it");
    return { name: rename(c.name), cluster: { ...c.cluster, server: `https://${host}:${m[2]}` } };
  });
  const out: Kubeconfig = {
    apiVersion: doc.apiVersion ?? "v1",
    kind: doc.kind ?? "Config",
    clusters,
    contexts: (doc.contexts ?? []).map((c) => ({
      name: rename(c.name),
      context: { ...c.context, cluster: rename(c.context.cluster), user: rename(c.context.user) },
    })),
    users: (doc.users ?? []).map((u) => ({ name: rename(u.name), user: u.user })),
    "current-context": rename(doc["current-context"]),
    preferences: doc.preferences ?? {},
  };
  return stringify(out, { lineWidth: 0 });
}
