import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";

import { setupMocks, type Registration } from "../harness/mocks";

const PRIVATE_KEY = "fixture-key-material (not a key: the SSH providers are stood in for here)";

// The SSH providers and the token generator are dynamic resources, whose provider closures cannot be
// serialized from vitest's transformed modules: plain custom resources with the same names and
// inputs stand in for them here (the rehearsal runs the real ones against real sshd).
vi.mock("../../components/remote", async () => {
  const p = await import("@pulumi/pulumi");
  // What k3s writes, for the kubeconfig fetch (fixture credentials).
  const { FIXTURE_K3S_YAML: k3sYaml } = await import("../harness/mocks");
  class RemoteCommand extends p.CustomResource {
    declare public readonly stdout: pulumi.Output<string | undefined>;
    declare public readonly hostKey: pulumi.Output<string>;
    constructor(name: string, args: { create?: string }, opts?: pulumi.CustomResourceOptions) {
      const stdout = typeof args.create === "string" && args.create.includes("k3s.yaml") ? k3sYaml : undefined;
      super("test:remote:RemoteCommand", name, { ...args, stdout, hostKey: undefined }, opts);
    }
  }
  class CopyToRemote extends p.CustomResource {
    constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
      super("test:remote:CopyToRemote", name, args, opts);
    }
  }
  return { RemoteCommand, CopyToRemote };
});
vi.mock("../../components/cluster/k3s-token", async () => {
  const p = await import("@pulumi/pulumi");
  class K3sToken extends p.CustomResource {
    declare public readonly value: pulumi.Output<string>;
    constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
      super("test:cluster:K3sToken", name, { ...args, value: undefined }, opts);
    }
  }
  return { K3sToken };
});

vi.mock("../../components/cluster/k3s-upgrade", async () => {
  const p = await import("@pulumi/pulumi");
  class K3sUpgrade extends p.CustomResource {
    constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
      super("test:cluster:K3sUpgrade", name, args, opts);
    }
  }
  return { K3sUpgrade };
});

let registered: Registration[];
let cluster: import("../../components/cluster").K3sCluster;
/** Each child's dependsOn, by name (recorded by a transformation on the component). */
const deps = new Map<string, string[]>();

const NODES = ["core", "mcp", "data", "api"];
const PER_SERVER = ["ssh", "files", "install", "node", "labels"];
const PER_AGENT = [...PER_SERVER, "membership"];

/** Records each child's dependsOn. */
const record: pulumi.ResourceTransformation = (args) => {
  const d = args.opts.dependsOn;
  const list = (Array.isArray(d) ? d : d ? [d] : []) as pulumi.Resource[];
  deps.set(
    args.name,
    list.map((r) => (r as unknown as { __name?: string }).__name ?? "?"),
  );
  return undefined;
};

beforeAll(async () => {
  const mocks = await setupMocks();
  registered = mocks.registered;
  const { K3sCluster } = await import("../../components/cluster");
  const node = (name: string, cls: "gh200" | "a100" | "a6000" | "rtx6000", role: "server" | "agent") => ({
    name,
    address: `198.18.0.${10 + NODES.indexOf(name)}`,
    sshUser: name === "core" ? "root" : "ubuntu",
    class: cls,
    role,
    arch: cls === "gh200" ? ("arm64" as const) : ("amd64" as const),
    privateKey: pulumi.secret(PRIVATE_KEY),
  });
  cluster = new K3sCluster(
    "c",
    {
      nodes: [
        node("core", "gh200", "server"),
        node("mcp", "a6000", "agent"),
        node("data", "a100", "agent"),
        node("api", "rtx6000", "agent"),
      ],
      k3sVersion: "v1.33.5+k3s1",
      clusterName: "sophia",
      privateNetwork: false,
    },
    { transformations: [record] },
  );
  // Dynamic resources serialize their provider before registering: wait for all of them.
  const expected = 1 + 2 + 1 + 1 + PER_SERVER.length + 3 * PER_AGENT.length;
  for (let i = 0; i < 400 && registered.length < expected; i++) await new Promise((r) => setTimeout(r, 25));
  await mocks.settled();
});

const inputs = (name: string) => {
  const r = registered.find((x) => x.name === name);
  if (!r) throw new Error(`${name} not registered`);
  return r.inputs;
};

describe("K3sCluster (Pulumi mocks)", () => {
  it("registers exactly these resources: tokens, kubeconfig, and per node its steps", () => {
    const expected = [
      "c",
      "c-token",
      "c-agent-token",
      "c-kubeconfig",
      "c-upgrade",
      ...PER_SERVER.map((s) => `c-core-${s}`),
      ...["mcp", "data", "api"].flatMap((n) => PER_AGENT.map((s) => `c-${n}-${s}`)),
    ];
    expect(registered.map((r) => r.name).sort()).toEqual(expected.sort());
    const count = (type: string) => registered.filter((r) => r.type === type).length;
    expect(count("test:cluster:K3sToken")).toBe(2);
    // One copy per node (all its files over one connection); one upgrade resource for the cluster.
    expect(count("test:remote:CopyToRemote")).toBe(4);
    expect(count("test:cluster:K3sUpgrade")).toBe(1);
    expect(count("test:remote:RemoteCommand")).toBe(registered.length - 1 - 2 - 4 - 1);
  });

  it("installs the server first, then each agent depending on the server only, not on each other", () => {
    expect(deps.get("c-core-install")).not.toContain("c-mcp-install");
    for (const n of ["mcp", "data", "api"]) {
      const d = deps.get(`c-${n}-install`)!;
      expect(d).toContain("c-core-install");
      expect(d.filter((x) => x.endsWith("-install"))).toEqual(["c-core-install"]);
      expect(d.filter((x) => x.startsWith("c-core-file"))).toEqual([]);
    }
  });

  it("upgrades through one resource: nodes in order, servers first, agents drained and uncordoned on the server", () => {
    expect(deps.get("c-upgrade")).toEqual(["c-core-install", "c-mcp-install", "c-data-install", "c-api-install"]);
    const up = inputs("c-upgrade");
    expect(up["version"]).toBe("v1.33.5+k3s1");
    expect(up["operator"]).toBe("core");
    expect(up["steps"]).toEqual([
      {
        name: "core",
        role: "server",
        versionCommand: "cat /var/lib/rancher/sophia/installed-version 2>/dev/null || true",
        upgradeCommand: "bash /var/lib/rancher/sophia/k3s-install.sh upgrade server arm64 download v1.33.5+k3s1",
      },
      ...["mcp", "data", "api"].map((n) => ({
        name: n,
        role: "agent",
        versionCommand: "sudo -n cat /var/lib/rancher/sophia/installed-version 2>/dev/null || true",
        upgradeCommand: "sudo -n bash /var/lib/rancher/sophia/k3s-install.sh upgrade agent amd64 download v1.33.5+k3s1",
        // On the server (root there): the API side of the node's upgrade.
        drainCommand: `bash /var/lib/rancher/sophia/k3s-node.sh drain ${n}`,
        uncordonCommand: `bash /var/lib/rancher/sophia/k3s-node.sh uncordon ${n}`,
      })),
    ]);
  });

  it("re-runs an install only on its node's config hash (or the scripts), with the tokens on stdin", () => {
    const core = inputs("c-core-install");
    const mcp = inputs("c-mcp-install");
    expect(core["create"]).toBe("bash /var/lib/rancher/sophia/k3s-install.sh install server arm64 download");
    expect(mcp["create"]).toBe("sudo -n bash /var/lib/rancher/sophia/k3s-install.sh install agent amd64 download");
    expect((core["triggers"] as string[]).length).toBe(2);
    expect((core["triggers"] as string[])[0]).not.toBe((mcp["triggers"] as string[])[0]);
    expect((core["triggers"] as string[])[1]).toBe((mcp["triggers"] as string[])[1]);
    // The version is not in the install's inputs: a bump goes through the upgrade chain only.
    expect(JSON.stringify(core)).not.toContain("v1.33.5");
  });

  it("removal: the membership (drain, delete) runs on the server before the node's uninstall", () => {
    expect(deps.get("c-mcp-membership")).toEqual(["c-mcp-node", "c-core-node"]);
    expect(inputs("c-mcp-membership")["delete"]).toBe("bash /var/lib/rancher/sophia/k3s-node.sh remove mcp");
    expect(inputs("c-mcp-node")["delete"]).toBe("sudo -n bash /var/lib/rancher/sophia/k3s-uninstall.sh agent");
    expect(inputs("c-mcp-node")["create"]).toBeUndefined();
  });

  it("labels go through the API on the server, triggered by the node's label hash", () => {
    expect(inputs("c-data-labels")["create"]).toBe(
      "bash /var/lib/rancher/sophia/k3s-node.sh labels data nvidia.com/device-plugin.config=a100 sophia-intel.ai/node-class=a100 -- sophia-intel.ai/node-class=a100:NoSchedule",
    );
    expect(deps.get("c-data-labels")).toEqual(["c-data-install", "c-core-install"]);
    expect(deps.get("c-core-labels")).toEqual(["c-core-install"]);
  });

  it("copies each node's files as one bundle: its own config, the scripts, modes; sudo for a non-root user", () => {
    const files = (n: string) => inputs(`c-${n}-files`)["files"] as Record<string, { content?: string; mode: string }>;
    expect(Object.keys(files("mcp")).sort()).toEqual(
      ["config.yaml", "k3s-install.sh", "k3s-lib.sh", "k3s-node.sh", "k3s-uninstall.sh", "k3s-version"].sort(),
    );
    expect(files("mcp")["config.yaml"]!.content).toContain("node-name: mcp\nserver: https://198.18.0.10:6443\n");
    expect(files("mcp")["config.yaml"]!.mode).toBe("0600");
    expect(files("mcp")["k3s-install.sh"]!.mode).toBe("0755");
    expect(inputs("c-mcp-files")["remotePath"]).toBe("/var/lib/rancher/sophia");
    expect(inputs("c-mcp-files")["sudo"]).toBe(true);
    expect(inputs("c-core-files")["sudo"]).toBe(false);
    expect(files("core")["k3s-version"]!.content).toBe("v1.33.5+k3s1\n");
    expect(deps.get("c-mcp-install")).toEqual(["c-mcp-files", "c-core-install"]);
  });

  it("the kubeconfig is fetched as a secret command; the tokens and key never appear in plaintext inputs", () => {
    expect(inputs("c-kubeconfig")).toMatchObject({
      create: "cat /etc/rancher/k3s/k3s.yaml",
      secret: true,
      logging: "none",
    });
    // Everything outside secret-wrapped values: the private key is never among it.
    const SECRET_SIG = "4dabf18193072939515e22adb298388d";
    const plain = JSON.stringify(
      registered.map((r) => r.inputs),
      (_k, v: unknown) => (v && typeof v === "object" && SECRET_SIG in v ? "[secret]" : v),
    );
    expect(JSON.stringify(registered.map((r) => r.inputs))).toContain("fixture-key-material");
    expect(plain).not.toContain("fixture-key-material");
    expect(plain).toContain('"connection":"[secret]"');
    expect(plain).toContain('"stdin":"[secret]"');
  });

  it("outputs the rewritten kubeconfig as a secret, the node names and the server address", async () => {
    const [kubeconfig, secret, nodes, server] = await new Promise<[string, boolean, string[], string]>((resolve) =>
      pulumi
        .all([cluster.kubeconfig, pulumi.isSecret(cluster.kubeconfig), cluster.nodes, cluster.serverAddress])
        .apply(resolve),
    );
    expect(secret).toBe(true);
    expect(kubeconfig).toContain("server: https://198.18.0.10:6443");
    expect(kubeconfig).toContain("current-context: sophia");
    expect(nodes).toEqual(["core", "mcp", "data", "api"]);
    expect(server).toBe("https://198.18.0.10:6443");
  });

  it("refuses an invalid node list before registering anything", async () => {
    const { K3sCluster } = await import("../../components/cluster");
    const before = registered.length;
    expect(
      () =>
        new K3sCluster("bad", {
          nodes: [
            { name: "a", address: "x", sshUser: "root", class: "a100", role: "agent", arch: "amd64", privateKey: "k" },
          ],
          k3sVersion: "v1.33.5+k3s1",
          clusterName: "x",
          privateNetwork: false,
        }),
    ).toThrow("nodes.0.role: is agent and no node is a server");
    await new Promise((r) => setTimeout(r, 50));
    expect(registered.filter((r) => r.name.startsWith("bad")).length).toBeLessThanOrEqual(1);
    expect(registered.length - before).toBeLessThanOrEqual(1);
  });
});

describe("K3sCluster on launched machines (addresses from another resource, an instance ID as identity)", () => {
  let launched: import("../../components/cluster").K3sCluster;
  beforeAll(async () => {
    const { K3sCluster } = await import("../../components/cluster");
    // As the Lambda Cloud layer gives them: known only once the instances run.
    const machine = (n: number) => ({
      address: pulumi.output(`198.18.1.${n}`),
      machineId: pulumi.output(`instance-${n}`),
    });
    launched = new K3sCluster(
      "l",
      {
        nodes: [
          {
            name: "core",
            sshUser: "ubuntu",
            class: "gh200",
            role: "server",
            arch: "arm64",
            privateKey: "k",
            ...machine(1),
          },
          {
            name: "mcp",
            sshUser: "ubuntu",
            class: "a6000",
            role: "agent",
            arch: "amd64",
            privateKey: "k",
            ...machine(2),
          },
        ],
        k3sVersion: "v1.33.5+k3s1",
        clusterName: "sophia",
        privateNetwork: false,
      },
      { transformations: [record] },
    );
    for (let i = 0; i < 400 && !registered.some((r) => r.name === "l-mcp-forget"); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 200));
  });

  it("renders each node's config from its resolved address", () => {
    expect((inputs("l-mcp-files")["files"] as Record<string, { content: string }>)["config.yaml"]!.content).toContain(
      "node-name: mcp\nserver: https://198.18.1.1:6443\ntoken-file: /etc/rancher/k3s/agent-token\nnode-ip: 198.18.1.2\nnode-external-ip: 198.18.1.2\n",
    );
    expect(JSON.stringify(inputs("l-core-ssh")["connection"])).toContain('"host":"198.18.1.1"');
  });

  it("a new instance under a node's name is prepared, copied to and installed again", () => {
    expect(inputs("l-mcp-ssh")["triggers"]).toEqual(["instance-2"]);
    expect(inputs("l-mcp-files")["triggers"]).toEqual(["instance-2"]);
    expect((inputs("l-mcp-install")["triggers"] as string[])[2]).toBe("instance-2");
    expect(inputs("l-core-install")["triggers"]).toHaveLength(3);
  });

  it("before an agent's install, the server forgets the node a previous machine registered", () => {
    expect(inputs("l-mcp-forget")).toMatchObject({
      create: "sudo -n bash /var/lib/rancher/sophia/k3s-node.sh forget mcp",
      triggers: ["instance-2"],
    });
    expect(JSON.stringify(inputs("l-mcp-forget")["connection"])).toContain('"host":"198.18.1.1"');
    expect(deps.get("l-mcp-forget")).toEqual(["l-core-install"]);
    expect(deps.get("l-mcp-install")).toContain("l-mcp-forget");
    // The server initialises the cluster: there is nothing to forget before it.
    expect(registered.some((r) => r.name === "l-core-forget")).toBe(false);
  });

  it("the old machine's uninstall is skipped when it is gone; a permanent machine's never is", () => {
    expect(inputs("l-mcp-node")).toMatchObject({ whenGone: "skip", triggers: ["instance-2"] });
    expect(inputs("c-mcp-node")["whenGone"]).toBeUndefined();
    expect(inputs("c-mcp-node")["triggers"]).toBeUndefined();
  });

  it("the kubeconfig and server address point at the launched server", async () => {
    const [kubeconfig, server] = await new Promise<[string, string]>((resolve) =>
      pulumi.all([launched.kubeconfig, launched.serverAddress]).apply(resolve),
    );
    expect(kubeconfig).toContain("server: https://198.18.1.1:6443");
    expect(server).toBe("https://198.18.1.1:6443");
  });
});
