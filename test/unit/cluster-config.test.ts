import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { parse } from "yaml";
import { describe, expect, it } from "vitest";

import {
  configHash,
  K3S_PATHS,
  k3sConfig,
  labelsHash,
  renderK3sConfig,
  rewriteKubeconfig,
  validateClusterNodes,
  type K3sClusterShape,
  type K3sNodeSpec,
} from "../../components/cluster";

/** The plan's production topology: a GH200 server and three agents, over public addresses. */
const core: K3sNodeSpec = {
  name: "sophia-ai-core",
  address: "192.222.58.232",
  sshUser: "ubuntu",
  class: "gh200",
  role: "server",
  arch: "arm64",
};
const mcp: K3sNodeSpec = {
  name: "sophia-mcp-orchestrator",
  address: "104.171.202.117",
  sshUser: "ubuntu",
  class: "a6000",
  role: "agent",
  arch: "amd64",
};
const data: K3sNodeSpec = { ...mcp, name: "sophia-data-pipeline", address: "104.171.202.134", class: "a100" };
const prod: K3sNodeSpec = { ...mcp, name: "sophia-production", address: "104.171.202.103", class: "rtx6000" };
const production: K3sClusterShape = { nodes: [core, mcp, data, prod], privateNetwork: false };

describe("k3s config.yaml", () => {
  it("the single server: no cluster-init, no server URL, tokens by file, built-ins disabled, WireGuard over public addresses", () => {
    expect(renderK3sConfig(production, core)).toMatchSnapshot();
    const c = k3sConfig(production, core);
    expect(c["cluster-init"]).toBeUndefined();
    expect(c["server"]).toBeUndefined();
    expect(c["token-file"]).toBe(K3S_PATHS.token);
    expect(c["agent-token-file"]).toBe(K3S_PATHS.agentToken);
    expect(c["disable"]).toEqual(["traefik", "servicelb", "local-storage"]);
    expect(c["flannel-backend"]).toBe("wireguard-native");
    expect(c["flannel-external-ip"]).toBe(true);
    expect(c["node-external-ip"]).toBe("192.222.58.232");
    expect(c["node-ip"]).toBe("192.222.58.232");
    expect(c["tls-san"]).toEqual(["192.222.58.232"]);
    expect(c["node-label"]).toEqual(["nvidia.com/device-plugin.config=gh200", "sophia-intel.ai/node-class=gh200"]);
    expect(c["node-taint"]).toEqual(["sophia-intel.ai/node-class=gh200:NoSchedule"]);
  });

  it("an agent: joins the first server's public address with the agent token, no server-only keys", () => {
    expect(renderK3sConfig(production, mcp)).toMatchSnapshot();
    const c = k3sConfig(production, mcp);
    expect(c["server"]).toBe("https://192.222.58.232:6443");
    expect(c["token-file"]).toBe(K3S_PATHS.agentToken);
    for (const key of [
      "agent-token-file",
      "disable",
      "tls-san",
      "flannel-backend",
      "cluster-init",
      "flannel-external-ip",
    ]) {
      expect(c[key], key).toBeUndefined();
    }
    expect(c["node-external-ip"]).toBe("104.171.202.117");
    expect(c["node-label"]).toEqual(["nvidia.com/device-plugin.config=a6000", "sophia-intel.ai/node-class=a6000"]);
  });

  it("never carries a token value, only the token files' paths", () => {
    for (const n of production.nodes) {
      const text = renderK3sConfig(production, n);
      expect(text).not.toMatch(/^(token|agent-token):/m);
      expect(text).toMatch(/^token-file: \/etc\/rancher\/k3s\//m);
    }
  });

  it("HA over a private network: cluster-init on the first server only, joiners use its private address", () => {
    const s1 = { ...core, privateAddress: "10.0.0.1" };
    const s2 = { ...core, name: "core-2", address: "192.222.58.233", privateAddress: "10.0.0.2" };
    const a = { ...mcp, privateAddress: "10.0.0.3" };
    const ha: K3sClusterShape = { nodes: [s1, s2, a], privateNetwork: true, tlsSans: ["api.sophia-intel.ai"] };
    expect(validateClusterNodes(ha)).toEqual([]);
    expect(k3sConfig(ha, s1)["cluster-init"]).toBe(true);
    expect(k3sConfig(ha, s1)["server"]).toBeUndefined();
    expect(k3sConfig(ha, s2)["cluster-init"]).toBeUndefined();
    expect(k3sConfig(ha, s2)["server"]).toBe("https://10.0.0.1:6443");
    expect(k3sConfig(ha, s2)["token-file"]).toBe(K3S_PATHS.token);
    expect(k3sConfig(ha, a)["server"]).toBe("https://10.0.0.1:6443");
    expect(k3sConfig(ha, a)["node-ip"]).toBe("10.0.0.3");
    // Every node is on the private network: flannel and the nodes use private addresses.
    expect(k3sConfig(ha, s1)["flannel-external-ip"]).toBeUndefined();
    expect(k3sConfig(ha, a)["node-external-ip"]).toBeUndefined();
    expect(k3sConfig(ha, s1)["tls-san"]).toEqual([
      "192.222.58.232",
      "10.0.0.1",
      "192.222.58.233",
      "10.0.0.2",
      "api.sophia-intel.ai",
    ]);
    expect(renderK3sConfig(ha, s2)).toMatchSnapshot();
  });

  it("an agent without a private address joins over the public address even in a private-network cluster", () => {
    const s1 = { ...core, privateAddress: "10.0.0.1" };
    const shape: K3sClusterShape = { nodes: [s1, mcp], privateNetwork: true };
    expect(k3sConfig(shape, mcp)["server"]).toBe("https://192.222.58.232:6443");
    expect(k3sConfig(shape, s1)["flannel-external-ip"]).toBe(true);
    expect(k3sConfig(shape, mcp)["node-external-ip"]).toBe("104.171.202.117");
  });

  it("kubelet args default to reservations and can be replaced", () => {
    expect(k3sConfig(production, prod)["kubelet-arg"]).toEqual([
      "system-reserved=cpu=500m,memory=1Gi",
      "eviction-hard=memory.available<500Mi,nodefs.available<10%",
    ]);
    expect(k3sConfig({ ...production, kubeletArgs: ["max-pods=50"] }, prod)["kubelet-arg"]).toEqual(["max-pods=50"]);
  });

  it("parses back as YAML equal to the object", () => {
    expect(parse(renderK3sConfig(production, data))).toEqual(k3sConfig(production, data));
  });
});

describe("config and label hashes", () => {
  it("are stable and change only for the node whose config changed", () => {
    const before = production.nodes.map((n) => configHash(production, n));
    expect(production.nodes.map((n) => configHash(production, n))).toEqual(before);
    expect(before[0]).toMatch(/^[0-9a-f]{64}$/);
    const relabelled = { ...data, class: "a6000" as const };
    const after: K3sClusterShape = { ...production, nodes: [core, mcp, relabelled, prod] };
    const changed = after.nodes.map((n, i) => configHash(after, n) !== before[i]);
    expect(changed).toEqual([false, false, true, false]);
    expect(labelsHash(relabelled)).not.toBe(labelsHash(data));
    expect(labelsHash(mcp)).toBe(labelsHash({ ...mcp }));
  });
  it("a server's extra TLS name changes only the servers' configs", () => {
    const more = { ...production, tlsSans: ["k8s.sophia-intel.ai"] };
    expect(production.nodes.map((n) => configHash(more, n) !== configHash(production, n))).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("validateClusterNodes", () => {
  it("accepts the production topology", () => {
    expect(validateClusterNodes(production)).toEqual([]);
  });
  it("two servers without a private network is an error naming privateNetwork", () => {
    const two = { ...production, nodes: [core, { ...core, name: "core-2" }] };
    expect(validateClusterNodes(two)).toEqual([
      {
        path: "privateNetwork",
        message:
          "is false but there are 2 servers; an embedded-etcd HA control plane is only supported between servers on a shared private network",
        fix: "set privateNetwork: true and give each server its privateAddress, or keep a single server",
      },
    ]);
  });
  it("a private network without a server's private address names that node", () => {
    const two = {
      nodes: [
        { ...core, privateAddress: "10.0.0.1" },
        { ...core, name: "core-2" },
      ],
      privateNetwork: true,
    };
    expect(validateClusterNodes(two).map((p) => p.path)).toEqual(["nodes.1.privateAddress"]);
  });
  it("duplicate names, an agent-only list and a GH200 that is not arm64 are reported together", () => {
    const bad = {
      nodes: [mcp, { ...mcp }, { ...core, role: "agent" as const, arch: "amd64" as const }],
      privateNetwork: false,
    };
    expect(validateClusterNodes(bad)).toEqual([
      {
        path: "nodes.1.name",
        message: '"sophia-mcp-orchestrator" is also node 0\'s name',
        fix: "give every node a unique name",
      },
      {
        path: "nodes.2.arch",
        message: "is amd64 but gh200 machines are arm64",
        fix: "use arch arm64 (the k3s binary is per architecture)",
      },
      {
        path: "nodes.0.role",
        message: "is agent and no node is a server: agents need a server to join",
        fix: "list a server node first",
      },
    ]);
  });
  it("a list whose first node is an agent is refused even when a server follows", () => {
    expect(validateClusterNodes({ nodes: [mcp, core], privateNetwork: false }).map((p) => p.message)).toEqual([
      "is agent: the first node must be the server that initialises the cluster",
    ]);
  });
});

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, string> }[];
  contexts: { name: string; context: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  "current-context": string;
}

/** What k3s writes: a loopback server and `default` names (credentials are fixtures). */
const K3S_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtRklYVFVSRQ==
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVC1GSVhUVVJF
    client-key-data: S0VZLUZJWFRVUkU=
`;

describe("rewriteKubeconfig", () => {
  it("points at the first server's public address and names everything after the cluster", () => {
    const out = rewriteKubeconfig(K3S_YAML, "192.222.58.232", "sophia");
    expect(out).toMatchSnapshot();
    const doc = parse(out) as KubeconfigDoc;
    expect(doc.clusters).toEqual([
      {
        name: "sophia",
        cluster: { "certificate-authority-data": "Q0EtRklYVFVSRQ==", server: "https://192.222.58.232:6443" },
      },
    ]);
    expect(doc.contexts).toEqual([{ name: "sophia", context: { cluster: "sophia", user: "sophia" } }]);
    expect(doc.users[0]!.name).toBe("sophia");
    expect(doc.users[0]!.user["client-key-data"]).toBe("S0VZLUZJWFRVUkU=");
    expect(doc["current-context"]).toBe("sophia");
  });
  it("is byte-for-byte deterministic, whatever the input's key order", () => {
    const reordered = K3S_YAML.replace("apiVersion: v1\n", "").replace(
      "kind: Config\n",
      "kind: Config\napiVersion: v1\n",
    );
    expect(rewriteKubeconfig(reordered, "192.222.58.232", "sophia")).toBe(
      rewriteKubeconfig(K3S_YAML, "192.222.58.232", "sophia"),
    );
  });
  it("brackets an IPv6 address and keeps the port", () => {
    const doc = parse(rewriteKubeconfig(K3S_YAML, "2001:db8::1", "c")) as KubeconfigDoc;
    expect(doc.clusters[0]!.cluster.server).toBe("https://[2001:db8::1]:6443");
  });
  it("refuses a non-loopback server and bad YAML without quoting the credentials", () => {
    const remote = K3S_YAML.replace("https://127.0.0.1:6443", "https://10.1.1.1:6443");
    expect(() => rewriteKubeconfig(remote, "a", "b")).toThrow("not a loopback https address");
    for (const bad of [remote, "client-key-data: S0VZLUZJWFRVUkU=\n  : : [", "{}"]) {
      try {
        rewriteKubeconfig(bad, "a", "b");
        expect.unreachable();
      } catch (e) {
        expect(String(e)).not.toContain("S0VZ");
      }
    }
  });
});

describe("the k3s stand-in (test fixture)", () => {
  it("matches its own checksum file, as the install script verifies", () => {
    const dir = join(__dirname, "..", "fixtures", "k3s-standin");
    const [sum, file] = readFileSync(join(dir, "sha256sum-amd64.txt"), "utf8").trim().split(/\s+/);
    expect(file).toBe("k3s");
    expect(sum).toBe(
      createHash("sha256")
        .update(readFileSync(join(dir, "k3s")))
        .digest("hex"),
    );
  });
});
