import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { resolveCatalog } from "../../components/mcp/catalog";
import { replicationFactorFor } from "../../components/weaviate";
import { closest, formatProblems, parseConfig, type ConfigProblem, type RawConfig } from "../../stacks/config/load";
import { weaviateReplication } from "../../stacks/weaviate";
import { resolveEscConfig, stackSettings } from "../harness/esc";
import { readStackFile, toRawConfig } from "../harness/stack-config";

const base = {
  "sophia-infra:environment": "staging",
  "sophia-infra:domain": "staging.sophia-intel.ai",
  "sophia-infra:kubernetes": JSON.stringify({ target: "render" }),
  "sophia-infra:monitoring": JSON.stringify({ mode: "skip" }),
  "sophia-infra:mcp": JSON.stringify({ mode: "skip" }),
  "sophia-infra:redis": JSON.stringify({ mode: "skip" }),
  "sophia-infra:postgres": JSON.stringify({ mode: "skip" }),
};

/** A cluster node entry of class `cls`, given by address. */
const node = (name: string, cls: string, role = "agent") => ({
  name,
  class: cls,
  role,
  machine: { source: "existing", address: `${name}.example.com` },
});

function raw(values: Record<string, unknown>, secretKeys: string[] = []): RawConfig {
  const merged: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete merged[k];
    else merged[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { values: merged, secretKeys: new Set(secretKeys) };
}

function problems(r: RawConfig): ConfigProblem[] {
  const result = parseConfig(r);
  if (result.ok) throw new Error("expected problems, config parsed");
  return result.problems;
}

describe("the committed stack files", () => {
  it("dev parses with its encrypted dev-only secrets and only local targets", () => {
    const file = readStackFile("dev");
    expect(file.environment).toBeUndefined();
    const result = parseConfig(toRawConfig(file.config));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const s = result.config.settings;
    expect(s.environment).toBe("dev");
    expect(s.cluster.mode).toBe("skip");
    expect(s.kubernetes.target).toBe("local");
    expect(s.kubernetes.skipAwait).toBe(true);
    expect(s.weaviate.mode).not.toBe("cloud");
    expect(s.frontend.mode).toBe("skip");
    expect(Object.keys(result.config.secrets).sort()).toEqual([
      "mcpGatewayToken",
      "mcpSecrets",
      "postgresPassword",
      "redisPassword",
    ]);
  });

  for (const stack of ["production", "staging"]) {
    it(`${stack} parses once its ESC environment is resolved`, () => {
      const file = readStackFile(stack);
      expect(file.environment).toEqual([`sophia/${stack}`]);
      const result = parseConfig(toRawConfig(file.config, resolveEscConfig(stack)));
      if (!result.ok) throw new Error(formatProblems(stack, result.problems));
      expect(result.config.settings.environment).toBe(stack);
      // Both run on their own k3s cluster, on machines launched from Lambda Cloud.
      expect(result.config.settings.kubernetes.target).toBe("cluster");
      expect(result.config.settings.cluster.mode).toBe("k3s");
    });

    it(`${stack} without its ESC environment names every missing secret`, () => {
      const file = readStackFile(stack);
      const paths = problems(toRawConfig(file.config)).map((p) => p.path);
      expect(paths).toContain("sophia-infra:sshPrivateKey");
      expect(paths).toContain("sophia-infra:lambdaApiKey");
      expect(paths).not.toContain("sophia-infra:kubeconfig");
      expect(paths).toContain("sophia-infra:weaviateApiKey");
      expect(paths).toContain("sophia-infra:vercelApiToken");
      expect(paths).toContain("sophia-infra:vercelTeam");
      expect(paths.every((p) => p.startsWith("sophia-infra:"))).toBe(true);
    });
  }

  it("production and staging differ where the spec says", () => {
    const parse = (stack: string) => {
      const r = parseConfig(toRawConfig(readStackFile(stack).config, resolveEscConfig(stack)));
      if (!r.ok) throw new Error("parse failed");
      return r.config.settings;
    };
    const prod = parse("production");
    const staging = parse("staging");
    expect(prod.postgres.instances).toBe(3);
    expect(staging.postgres.instances).toBe(1);
    expect(prod.ingress.acme).toBe("production");
    expect(staging.ingress.acme).toBe("staging");
    expect(prod.frontend).toMatchObject({ mode: "vercel", domains: ["sophia-intel.ai", "app.sophia-intel.ai"] });
    expect(staging.frontend).toMatchObject({ mode: "vercel", domains: ["staging.sophia-intel.ai"] });
    // The plan's production topology, rented from Lambda Cloud: a GH200 server and three agents.
    expect(prod.cluster.mode === "k3s" && prod.cluster.nodes.map((n) => [n.name, n.class, n.role])).toEqual([
      ["sophia-ai-core", "gh200", "server"],
      ["sophia-mcp-orchestrator", "a6000", "agent"],
      ["sophia-data-pipeline", "a100", "agent"],
      ["sophia-production", "rtx6000", "agent"],
    ]);
    for (const s of [prod, staging]) {
      expect(s.cluster.mode === "k3s" && s.cluster.nodes.every((n) => n.machine.source === "lambda")).toBe(true);
    }
  });
});

describe("bad input is reported all at once", () => {
  it("a misspelled key, a wrong type and a missing secret give exactly three problems", () => {
    const found = problems(
      raw({
        "sophia-infra:postgres": { instancez: 3 },
        "sophia-infra:redis": { replicas: "three" },
        "sophia-infra:weaviate": { mode: "cloud", url: "https://sophia.weaviate.cloud", clusterNodes: 3 },
      }),
    );
    expect(found).toEqual([
      {
        path: "sophia-infra:postgres",
        message: 'has unknown key "instancez"',
        fix: '"instancez" → did you mean "instances"? (allowed: mode, name, instances, storageSize, database, backup, restore; docs/config.md#postgres)',
      },
      {
        path: "sophia-infra:redis.replicas",
        message: 'must be number, got string "three"',
        fix: "write it as a number without quotes (docs/config.md#redis)",
      },
      {
        path: "sophia-infra:weaviateApiKey",
        message: "is a required secret (weaviate.mode is cloud) and is not set",
        fix: "pulumi config set --secret sophia-infra:weaviateApiKey <value>, or add it to the stack's ESC environment",
      },
    ]);
    const message = formatProblems("staging", found);
    expect(message).toMatch(/^Stack "staging" has 3 configuration problems; nothing was registered or changed\./);
  });

  it("a credential given as plaintext is refused, naming the command that fixes it", () => {
    const found = problems(raw({ "sophia-infra:mcp": { mode: "create" }, "sophia-infra:mcpGatewayToken": "abc" }));
    const plaintext = found.filter((p) => p.message === "is a credential given as plaintext");
    expect(plaintext.map((p) => p.path)).toEqual(["sophia-infra:mcpGatewayToken"]);
    expect(plaintext[0]?.fix).toContain("pulumi config set --secret sophia-infra:mcpGatewayToken");
  });

  it("a setting marked secret is refused (settings are not credentials)", () => {
    const found = problems(raw({}, ["sophia-infra:domain"]));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:domain"]);
  });

  it("unknown keys, in our namespace or another, get a did-you-mean", () => {
    const found = problems(raw({ "sophia-infra:monitor": { mode: "skip" }, "sophia-infr:domain": "x.io" }));
    expect(found.map((p) => [p.path, p.fix])).toEqual([
      ["sophia-infra:monitor", "did you mean sophia-infra:monitoring? (keys: docs/config.md)"],
      ["sophia-infr:domain", "did you mean sophia-infra:domain? (keys: docs/config.md)"],
    ]);
  });

  it("missing required settings and non-object sections are reported", () => {
    const found = problems(raw({ "sophia-infra:domain": undefined, "sophia-infra:redis": "yes" }));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:redis", "sophia-infra:domain"]);
    expect(found[1]?.message).toBe("is required (string)");
  });

  it("unknown keys inside a discriminated variant list that variant's keys", () => {
    const found = problems(raw({ "sophia-infra:weaviate": { mode: "local", ulr: "http://127.0.0.1:8080" } }));
    expect(found).toHaveLength(1);
    expect(found[0]?.fix).toContain('"ulr" → did you mean "url"?');
    expect(found[0]?.fix).toContain("allowed: mode, url, grpcPort");
  });

  it("an invalid mode lists the choices", () => {
    const found = problems(raw({ "sophia-infra:redis": { mode: "maybe" } }));
    expect(found).toEqual([
      expect.objectContaining({
        path: "sophia-infra:redis.mode",
        fix: 'use one of "skip", "create" (docs/config.md#redis)',
      }),
    ]);
  });

  it("image tags must be pinned", () => {
    const found = problems(raw({ "sophia-infra:backend": { tag: "latest" } }));
    expect(found).toEqual([
      expect.objectContaining({ path: "sophia-infra:backend.tag", message: "must be a pinned version, not `latest`" }),
    ]);
  });
});

describe("cross-field rules", () => {
  const k3s = (nodes: unknown[], extra: Record<string, unknown> = {}) => ({ mode: "k3s", nodes, ...extra });
  const allClasses = [
    node("core", "gh200", "server"),
    node("etl", "a100"),
    node("api", "rtx6000"),
    node("mcp", "a6000"),
  ];
  const ssh = { "sophia-infra:sshPrivateKey": "k" };

  it("kubernetes.target cluster needs a cluster", () => {
    expect(problems(raw({ "sophia-infra:kubernetes": { target: "cluster" } })).map((p) => p.path)).toEqual([
      "sophia-infra:kubernetes.target",
    ]);
  });

  it("more than one server needs a private network", () => {
    const nodes = [...allClasses, node("core-2", "gh200", "server")];
    const found = problems(raw({ "sophia-infra:cluster": k3s(nodes), ...ssh }, ["sophia-infra:sshPrivateKey"]));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:cluster.privateNetwork"]);
    expect(found[0]?.message).toContain("embedded-etcd HA control plane");
  });

  it("the first node must be a server", () => {
    const nodes = [node("etl", "a100"), node("core", "gh200", "server"), node("api", "rtx6000"), node("mcp", "a6000")];
    const found = problems(raw({ "sophia-infra:cluster": k3s(nodes), ...ssh }, ["sophia-infra:sshPrivateKey"]));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:cluster.nodes.0.role"]);
  });

  it("every placement class must have a node", () => {
    const found = problems(
      raw({ "sophia-infra:cluster": k3s(allClasses.slice(0, 3)), ...ssh }, ["sophia-infra:sshPrivateKey"]),
    );
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:placement.mcp"]);
    expect(found[0]?.fix).toBe("add a a6000 node or map mcp to one of: gh200, a100, rtx6000");
  });

  it("a GH200 node declared amd64, and duplicate names, are reported with their paths", () => {
    const nodes = [{ ...node("core", "gh200", "server"), arch: "amd64" }, ...allClasses.slice(1), node("etl", "a100")];
    const found = problems(raw({ "sophia-infra:cluster": k3s(nodes), ...ssh }, ["sophia-infra:sshPrivateKey"]));
    expect(found.map((p) => [p.path, p.message])).toEqual([
      ["sophia-infra:cluster.nodes.0.arch", "is amd64 but gh200 machines are arm64"],
      ["sophia-infra:cluster.nodes.4.name", '"etl" is also node 1\'s name'],
    ]);
  });

  it("two servers on a private network without one's private address name that machine's key", () => {
    const nodes = [
      { ...node("core", "gh200", "server"), machine: { source: "existing", address: "a", privateAddress: "10.0.0.1" } },
      node("core-2", "gh200", "server"),
      ...allClasses.slice(1),
    ];
    const found = problems(
      raw({ "sophia-infra:cluster": { ...k3s(nodes), privateNetwork: true }, ...ssh }, ["sophia-infra:sshPrivateKey"]),
    );
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:cluster.nodes.1.machine.privateAddress"]);
  });

  it("a host key that is not an OpenSSH public key line is refused", () => {
    const nodes = [
      { ...node("core", "gh200", "server"), machine: { source: "existing", address: "a", hostKey: "AAAA" } },
      ...allClasses.slice(1),
    ];
    const found = problems(raw({ "sophia-infra:cluster": k3s(nodes), ...ssh }, ["sophia-infra:sshPrivateKey"]));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:cluster.nodes.0.machine.hostKey"]);
  });

  it("a valid four-class cluster parses", () => {
    const result = parseConfig(
      raw({ "sophia-infra:cluster": k3s(allClasses), ...ssh }, ["sophia-infra:sshPrivateKey"]),
    );
    expect(result.ok).toBe(true);
  });

  it("dev refuses cloud targets; the local API server and skipAwait are dev-only", () => {
    const dev = problems(
      raw(
        {
          "sophia-infra:environment": "dev",
          "sophia-infra:domain": "sophia.localhost",
          "sophia-infra:weaviate": { mode: "cloud", url: "https://x.weaviate.cloud", clusterNodes: 1 },
          "sophia-infra:weaviateApiKey": "k",
          "sophia-infra:frontend": { mode: "vercel", domains: ["a.sophia.localhost"] },
          "sophia-infra:vercelApiToken": "t",
          "sophia-infra:vercelTeam": "team",
        },
        ["sophia-infra:weaviateApiKey", "sophia-infra:vercelApiToken", "sophia-infra:vercelTeam"],
      ),
    );
    expect(dev.map((p) => p.path)).toEqual(["sophia-infra:weaviate.mode", "sophia-infra:frontend.mode"]);
    const staging = problems(raw({ "sophia-infra:kubernetes": { target: "local", skipAwait: true } }));
    expect(staging.map((p) => p.path)).toEqual(["sophia-infra:kubernetes.target", "sophia-infra:kubernetes.skipAwait"]);
  });

  it("Weaviate's replication factor is refused above the cluster's node count, naming the key", () => {
    const cloud = (w: Record<string, unknown>) =>
      problems(
        raw(
          {
            "sophia-infra:weaviate": { mode: "cloud", url: "https://x.weaviate.cloud", ...w },
            "sophia-infra:weaviateApiKey": "k",
          },
          ["sophia-infra:weaviateApiKey"],
        ),
      );
    const tooMany = cloud({ clusterNodes: 1, replicationFactor: 3 });
    expect(tooMany).toEqual([
      {
        path: "sophia-infra:weaviate.replicationFactor",
        message: "is 3 but the Weaviate cluster has 1 node; each replica needs its own node",
        fix: "lower it to at most weaviate.clusterNodes (or leave it out), or resize the cluster and set clusterNodes",
      },
    ]);
    expect(cloud({}).map((p) => p.path)).toEqual(["sophia-infra:weaviate.clusterNodes"]);
    const local = problems(raw({ "sophia-infra:weaviate": { mode: "local", replicationFactor: 2 } }));
    expect(local.map((p) => [p.path, p.message])).toEqual([
      [
        "sophia-infra:weaviate.replicationFactor",
        "is 2 but the Weaviate cluster has 1 node; each replica needs its own node",
      ],
    ]);
  });

  it("production's Weaviate collections get one replica per node of its three-node cluster", () => {
    const factor = (stack: string) => {
      const w = stackSettings(stack).weaviate;
      if (w.mode === "skip") throw new Error(`${stack}: weaviate is skipped`);
      return replicationFactorFor(weaviateReplication(w));
    };
    expect(factor("production")).toBe(3);
    expect(factor("staging")).toBe(1);
    expect(factor("dev")).toBe(1);
  });

  it("an MCP server's declared secrets must be provided", () => {
    const all = allMcpSecrets();
    delete all["github"];
    const found = problems(
      raw(
        { "sophia-infra:mcp": { mode: "create" }, "sophia-infra:mcpGatewayToken": "t", "sophia-infra:mcpSecrets": all },
        ["sophia-infra:mcpGatewayToken", "sophia-infra:mcpSecrets"],
      ),
    );
    expect(found).toEqual([
      {
        path: "sophia-infra:mcpSecrets",
        message: "has no github.GITHUB_TOKEN (a secret the github MCP server reads)",
        fix: "add github: { GITHUB_TOKEN: <secret> } to mcpSecrets",
      },
    ]);
  });
});

/** Every secret the default MCP catalog reads, with placeholder values. */
function allMcpSecrets(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    resolveCatalog({ tag: "1.0.0" }).map((m) => [m.name, Object.fromEntries(m.secrets.map((v) => [v, "x"]))]),
  );
}

describe("MCP catalog: bad input names the entry", () => {
  const withServers = (servers: unknown[], extra: Record<string, unknown> = {}) =>
    problems(
      raw(
        {
          "sophia-infra:mcp": { mode: "create", servers },
          "sophia-infra:mcpGatewayToken": "t",
          "sophia-infra:mcpSecrets": allMcpSecrets(),
          ...extra,
        },
        [
          "sophia-infra:mcpGatewayToken",
          "sophia-infra:mcpSecrets",
          ...Object.keys(extra).filter((k) => k.endsWith("Key")),
        ],
      ),
    );

  it("two entries with the same name", () => {
    expect(
      withServers([
        { name: "crm", port: 9100 },
        { name: "crm", port: 9101 },
      ]),
    ).toEqual([
      {
        path: "sophia-infra:mcp.servers.1.name",
        message: '"crm" is also entry 0',
        fix: "merge the two entries or rename one",
      },
    ]);
  });

  it("two servers on the same port", () => {
    expect(withServers([{ name: "crm", port: 9002 }])).toEqual([
      {
        path: "sophia-infra:mcp.servers.0.port",
        message: "9002 is also github's port",
        fix: "give each server its own port",
      },
    ]);
  });

  it("a secret referenced but not provided", () => {
    expect(withServers([{ name: "crm", port: 9100, secrets: ["CRM_TOKEN"] }]).map((p) => p.message)).toEqual([
      "has no crm.CRM_TOKEN (a secret the crm MCP server reads)",
    ]);
  });

  it("an image without a pinned tag", () => {
    expect(withServers([{ name: "crm", port: 9100, tag: "latest" }]).map((p) => p.path)).toEqual([
      "sophia-infra:mcp.servers.0.tag",
    ]);
    expect(withServers([{ name: "crm", port: 9100, image: "example/crm:latest" }]).map((p) => p.path)).toEqual([
      "sophia-infra:mcp.servers.0.image",
    ]);
  });

  it("a workload class no node provides", () => {
    const found = withServers([{ name: "crm", port: 9100, workloadClass: "batch" }], {
      "sophia-infra:kubernetes": { target: "cluster" },
      "sophia-infra:placement": { batch: "a100" },
      "sophia-infra:cluster": {
        mode: "k3s",
        nodes: [node("core", "gh200", "server"), node("api", "rtx6000"), node("mcp", "a6000")],
      },
      "sophia-infra:sshPrivateKey": "k",
    });
    expect(found.map((p) => p.path)).toContain("sophia-infra:mcp.servers.0.workloadClass");
    expect(found.find((p) => p.path === "sophia-infra:mcp.servers.0.workloadClass")?.message).toBe(
      "batch maps to a100, and no cluster node has that class: crm could never be scheduled",
    );
  });
});

describe("closest", () => {
  it("suggests near misses only", () => {
    expect(closest("instancez", ["instances", "mode"])).toBe("instances");
    expect(closest("Domain", ["domain"])).toBe("domain");
    expect(closest("zzz", ["instances", "mode"])).toBeUndefined();
  });
});

describe("platform services: bad input names the key", () => {
  const prod = {
    "sophia-infra:environment": "production",
    "sophia-infra:domain": "sophia-intel.ai",
    "sophia-infra:kubeconfig": "k",
    "sophia-infra:kubernetes": { target: "kubeconfig" },
    "sophia-infra:redisPassword": "ok-password",
    "sophia-infra:postgresPassword": "ok-password",
    "sophia-infra:redis": { replicas: 3 },
    "sophia-infra:postgres": {},
    "sophia-infra:gpuOperator": { mode: "skip" },
    "sophia-infra:ingress": { mode: "skip" },
  };
  const secretKeys = ["sophia-infra:kubeconfig", "sophia-infra:redisPassword", "sophia-infra:postgresPassword"];

  it("an S3 backup target without credentials", () => {
    const found = problems(
      raw(
        {
          ...prod,
          "sophia-infra:postgres": { backup: { mode: "s3", endpoint: "https://s3.example.test", bucket: "pg-b" } },
        },
        secretKeys,
      ),
    );
    expect(found.map((p) => [p.path, p.message])).toEqual([
      ["sophia-infra:postgresBackupAccessKeyId", "is a required secret (postgres.backup.mode is s3) and is not set"],
      [
        "sophia-infra:postgresBackupSecretAccessKey",
        "is a required secret (postgres.backup.mode is s3) and is not set",
      ],
    ]);
  });

  describe("a Postgres restore", () => {
    const backup = { mode: "s3", endpoint: "https://s3.example.test", bucket: "pg-b" };
    const backupSecrets = {
      "sophia-infra:postgresBackupAccessKeyId": "AKIA-TEST",
      "sophia-infra:postgresBackupSecretAccessKey": "secret-test",
    };
    const keys = [...secretKeys, ...Object.keys(backupSecrets)];
    const withRestore = (postgres: Record<string, unknown>) =>
      raw({ ...prod, ...backupSecrets, "sophia-infra:postgres": { backup, ...postgres } }, keys);

    it("is off by default, and the cluster keeps its name", () => {
      const result = parseConfig(withRestore({}));
      expect(result.ok && result.config.settings.postgres).toMatchObject({
        name: "postgres",
        restore: { mode: "skip" },
      });
    });

    it("to a point in time into a new cluster name parses", () => {
      const result = parseConfig(
        withRestore({
          name: "postgres-r1",
          restore: { mode: "pointInTime", source: "postgres", targetTime: "2026-03-01T09:30:00Z" },
        }),
      );
      expect(result.ok && result.config.settings.postgres.restore).toEqual({
        mode: "pointInTime",
        source: "postgres",
        targetTime: "2026-03-01T09:30:00Z",
      });
    });

    it("whose source is the cluster being created is refused, naming the key and the fix", () => {
      const found = problems(withRestore({ restore: { mode: "latest", source: "postgres" } }));
      expect(found).toEqual([
        {
          path: "sophia-infra:postgres.restore.source",
          message:
            'is "postgres", the name of the cluster being created (postgres.name): a restore never goes over the cluster it reads from',
          fix: "set postgres.name to a name never used before (e.g. postgres-restore-1) and keep restore.source: postgres",
        },
      ]);
    });

    it("without a backup object store to read from is refused", () => {
      const found = problems(
        raw(
          {
            ...prod,
            "sophia-infra:postgres": { name: "postgres-r1", restore: { mode: "latest", source: "postgres" } },
          },
          secretKeys,
        ),
      );
      expect(found.map((p) => [p.path, p.message])).toEqual([
        ["sophia-infra:postgres.restore", "restores from the backup object store, but postgres.backup.mode is skip"],
      ]);
    });

    it("to a time without a zone, or a cluster name over 50 characters, is refused", () => {
      const found = problems(
        withRestore({
          name: "p".repeat(51),
          restore: { mode: "pointInTime", source: "postgres", targetTime: "2026-03-01 09:30:00" },
        }),
      );
      expect(found.map((p) => p.path)).toEqual([
        "sophia-infra:postgres.name",
        "sophia-infra:postgres.restore.targetTime",
      ]);
    });
  });

  it("production with fewer than 3 Postgres instances or Redis nodes", () => {
    const found = problems(
      raw(
        {
          ...prod,
          "sophia-infra:postgres": { instances: 1 },
          "sophia-infra:redis": { replicas: 2, sentinelQuorum: 2 },
        },
        secretKeys,
      ),
    );
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:postgres.instances", "sophia-infra:redis.replicas"]);
    expect(found[0]?.fix).toBe("set postgres.instances: 3");
    expect(found[1]?.message).toContain("production needs at least 3 Redis nodes");
  });

  it("a Sentinel quorum larger than the number of sentinels", () => {
    const found = problems(raw({ ...prod, "sophia-infra:redis": { replicas: 3, sentinelQuorum: 4 } }, secretKeys));
    expect(found).toEqual([
      {
        path: "sophia-infra:redis.sentinelQuorum",
        message: "(4) is larger than the number of sentinels (3, one per Redis node): no failover could ever happen",
        fix: "set it to at most 3 (a majority, 2, is usual)",
      },
    ]);
  });

  it("a Redis password the config files cannot carry", () => {
    const found = problems(raw({ ...prod, "sophia-infra:redisPassword": 'has "quotes"' }, secretKeys));
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:redisPassword"]);
  });

  it("required Redis anti-affinity with too few realtime nodes", () => {
    const found = problems(
      raw(
        {
          ...prod,
          "sophia-infra:kubernetes": { target: "cluster" },
          "sophia-infra:cluster": {
            mode: "k3s",
            nodes: [node("core", "gh200", "server"), node("etl", "a100"), node("api", "rtx6000"), node("mcp", "a6000")],
          },
          "sophia-infra:sshPrivateKey": "k",
          "sophia-infra:redis": { antiAffinity: "required" },
        },
        [...secretKeys, "sophia-infra:sshPrivateKey"],
      ),
    );
    expect(found.map((p) => p.path)).toEqual(["sophia-infra:redis.antiAffinity"]);
    expect(found[0]?.message).toContain(
      "only 1 node(s) have the realtime class rtx6000; 2 Redis pod(s) could never be scheduled",
    );
  });

  it("a chart mirror without a pinned chart, before anything is registered", () => {
    const found = problems(
      raw(
        {
          ...prod,
          "sophia-infra:gpuOperator": { mode: "create" },
          "sophia-infra:charts": { source: "mirror", directory: "/nonexistent-mirror" },
        },
        secretKeys,
      ),
    );
    expect(found).toEqual([
      {
        path: "sophia-infra:charts.directory",
        message: "has no gpu-operator-v25.10.1 (no /nonexistent-mirror/gpu-operator-v25.10.1/Chart.yaml)",
        fix: "add chart gpu-operator v25.10.1 to the mirror",
      },
    ]);
  });

  it("a chart mirror entry holding another version than the pin (the provider would install that one)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sophia-mirror-"));
    try {
      mkdirSync(join(dir, "gpu-operator-v25.10.1"));
      writeFileSync(
        join(dir, "gpu-operator-v25.10.1", "Chart.yaml"),
        "apiVersion: v2\nname: gpu-operator\nversion: v25.3.0\n",
      );
      const found = problems(
        raw(
          {
            ...prod,
            "sophia-infra:gpuOperator": { mode: "create" },
            "sophia-infra:charts": { source: "mirror", directory: dir },
          },
          secretKeys,
        ),
      ).filter((p) => p.message.includes("gpu-operator"));
      expect(found).toEqual([
        {
          path: "sophia-infra:charts.directory",
          message: "has gpu-operator-v25.10.1 holding version v25.3.0, not the pinned v25.10.1",
          fix: "put chart gpu-operator v25.10.1 there",
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
