/**
 * The k3s version of a whole cluster as one resource: creating it runs nothing (the installs just
 * put that version in place); a changed version upgrades the nodes one at a time in the given
 * order, servers first, each agent drained before and uncordoned after, stopping at the first
 * failure with an error naming the node. The steps are idempotent and a node already at the
 * version is skipped, so the next `up` resumes where a failed one stopped.
 *
 * One resource instead of a drain → upgrade → uncordon chain per agent: the number of serial engine
 * steps on create no longer grows with the number of agents (each chained step cost an engine round
 * trip and an SSH handshake even when it ran nothing).
 * @see https://docs.k3s.io/upgrades/manual
 */
import * as pulumi from "@pulumi/pulumi";

// The modules themselves, not the folder's index: the provider's closure captures only what it uses.
import {
  connectionSecrets,
  normalizeConnection,
  UNKNOWN,
  validateConnection,
  type ConnectionInput,
  type RemoteConnection,
  type ResolvedConnection,
} from "../remote/connection";
import { runRemote } from "../remote/remote-command";
import { keyParser } from "../remote/ssh";

/** A node's place in the upgrade and the commands of its steps (fixed scripts, no secrets). */
export interface K3sUpgradeStep {
  readonly name: string;
  readonly role: "server" | "agent";
  /** Run on the node: prints the k3s version installed there (empty when none). */
  readonly versionCommand: string;
  /** Run on the node: installs the target version and restarts k3s (idempotent). */
  readonly upgradeCommand: string;
  /** Run on the operator node before the upgrade (agents). */
  readonly drainCommand?: string;
  /** Run on the operator node after the upgrade (agents). */
  readonly uncordonCommand?: string;
}

export interface K3sUpgradeArgs {
  /** The target k3s release; a change runs the upgrade. @see https://github.com/k3s-io/k3s/releases */
  readonly version: pulumi.Input<string>;
  /** The nodes in upgrade order: servers first. */
  readonly steps: readonly K3sUpgradeStep[];
  /** How to reach each node, by name (secret: it holds the private key). */
  readonly connections: pulumi.Input<Record<string, pulumi.Input<RemoteConnection>>>;
  /** The server that drains and uncordons agents through the Kubernetes API. */
  readonly operator: string;
  /** Seconds one step may take on one node. @default 900 */
  readonly timeout?: number;
}

/** Inputs after `check`, and the state: plus the log of the last upgrade. */
export interface UpgradeState {
  label: string;
  version: string;
  steps: K3sUpgradeStep[];
  connections: Record<string, ResolvedConnection>;
  operator: string;
  timeout: number;
  /** What the last upgrade did, node by node (the scripts' own messages; they never print secrets). */
  log: string[];
}

type Raw = Partial<Record<keyof UpgradeState, unknown>>;
type Failure = { property: string; reason: string };

const VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$/;

/** Validates the plan: a version, nodes with their commands, servers first, a connection for each. */
export function checkUpgrade(
  news: Raw,
  parseKey?: (key: string, passphrase?: string) => { type?: string } | Error,
): { inputs: UpgradeState; failures: Failure[] } {
  const failures: Failure[] = [];
  const version = news.version;
  if (version !== UNKNOWN && (typeof version !== "string" || !VERSION.test(version))) {
    failures.push({ property: "version", reason: `not a k3s release version like v1.33.5+k3s1: ${String(version)}` });
  }
  const steps = Array.isArray(news.steps) ? (news.steps as K3sUpgradeStep[]) : [];
  if (steps.length === 0) failures.push({ property: "steps", reason: "give at least one node" });
  const names = new Set<string>();
  let agentSeen = false;
  steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    if (typeof s.name !== "string" || s.name === "" || names.has(s.name)) {
      failures.push({ property: `${at}.name`, reason: "a unique node name is required" });
    }
    names.add(s.name);
    if (s.role === "agent") {
      agentSeen = true;
      if (typeof s.drainCommand !== "string" || typeof s.uncordonCommand !== "string") {
        failures.push({ property: at, reason: `agent ${s.name} needs drainCommand and uncordonCommand` });
      }
    } else if (s.role === "server") {
      if (agentSeen) failures.push({ property: at, reason: `server ${s.name} comes after an agent: servers first` });
    } else {
      failures.push({ property: `${at}.role`, reason: "role must be server or agent" });
    }
    for (const k of ["versionCommand", "upgradeCommand"] as const) {
      if (typeof s[k] !== "string") failures.push({ property: `${at}.${k}`, reason: `${k} must be a string` });
    }
  });
  const operator = news.operator as string;
  if (!steps.some((s) => s.name === operator && s.role === "server")) {
    failures.push({ property: "operator", reason: `operator ${String(operator)} must be one of the servers` });
  }
  const raw = news.connections;
  const connections: Record<string, ResolvedConnection> = {};
  if (raw !== UNKNOWN) {
    const given = (raw ?? {}) as Record<string, ConnectionInput>;
    for (const s of steps) {
      const c = given[s.name];
      if (c === undefined) {
        failures.push({ property: `connections.${s.name}`, reason: `no connection for node ${s.name}` });
        continue;
      }
      for (const [property, reason] of validateConnection(c, parseKey, `connections.${s.name}`)) {
        failures.push({ property, reason });
      }
      connections[s.name] = normalizeConnection(c);
    }
  }
  const timeout = news.timeout ?? 900;
  if (!(typeof timeout === "number" && timeout > 0))
    failures.push({ property: "timeout", reason: "timeout must be seconds > 0" });
  return {
    inputs: {
      label: typeof news.label === "string" ? news.label : "upgrade",
      version: version as string,
      steps,
      connections: raw === UNKNOWN ? (UNKNOWN as never) : connections,
      operator,
      timeout: timeout as number,
      log: [],
    },
    failures,
  };
}

/** A change of anything but the version is recorded without running; a version change upgrades. Never replaced. */
export function diffUpgrade(olds: UpgradeState, news: UpgradeState): { changes: boolean; upgrade: boolean } {
  const plan = (s: UpgradeState) => JSON.stringify([s.steps, s.connections, s.operator, s.timeout]);
  const upgrade = olds.version !== news.version;
  return { changes: upgrade || plan(olds) !== plan(news), upgrade };
}

/** What one step of the upgrade runs: where, which command, named for messages. */
export interface UpgradeAction {
  node: string;
  /** The node whose connection runs it. */
  on: string;
  step: "drain" | "upgrade" | "uncordon";
  command: string;
}

/**
 * The actions for one node, given the version installed there: drain, upgrade, uncordon for an
 * agent (upgrade alone for a server); an agent already at the version is only uncordoned (a run
 * that stopped after its upgrade may have left it cordoned), a server at the version needs nothing.
 */
export function nodeActions(s: K3sUpgradeStep, operator: string, installed: string, version: string): UpgradeAction[] {
  const on = (step: UpgradeAction["step"], command: string, where = operator): UpgradeAction => ({
    node: s.name,
    on: where,
    step,
    command,
  });
  if (s.role === "server") return installed === version ? [] : [on("upgrade", s.upgradeCommand, s.name)];
  if (installed === version) return [on("uncordon", s.uncordonCommand!)];
  return [on("drain", s.drainCommand!), on("upgrade", s.upgradeCommand, s.name), on("uncordon", s.uncordonCommand!)];
}

/** Upgrades node by node; returns the log, or throws naming the node, the step and what is done. */
async function upgradeAll(state: UpgradeState): Promise<string[]> {
  const what = `K3sUpgrade ${state.label}`;
  const secrets = Object.values(state.connections).flatMap(connectionSecrets);
  const log: string[] = [];
  const done: string[] = [];
  const exec = async (node: string, step: string, on: string, command: string) => {
    const r = await runRemote(`${what} (${step} ${node})`, step, state.connections[on]!, {}, command, {
      timeout: state.timeout,
      secret: false,
      logging: "stdoutAndStderr",
      secrets,
    });
    return r;
  };
  for (const s of state.steps) {
    try {
      const installed = ((await exec(s.name, "version", s.name, s.versionCommand)).stdout ?? "").trim();
      const actions = nodeActions(s, state.operator, installed, state.version);
      if (actions.every((a) => a.step !== "upgrade")) log.push(`${s.name}: ${state.version} is installed already`);
      for (const a of actions) {
        const r = await exec(a.node, a.step, a.on, a.command);
        log.push(
          ...(r.stderr ?? "")
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => `${s.name}: ${l}`),
        );
      }
      done.push(s.name);
    } catch (err) {
      const finished = done.length ? `finished: ${done.join(", ")}` : "no node finished";
      throw new Error(
        `${what}: upgrading node ${s.name} to ${state.version} failed (${finished}; the next up resumes from ` +
          `${s.name}, skipping nodes at ${state.version} already): ${(err as Error).message}`,
      );
    }
  }
  return log;
}

const provider: pulumi.dynamic.ResourceProvider<UpgradeState, UpgradeState> = {
  async check(_olds, news) {
    return checkUpgrade(news, await keyParser());
  },

  async diff(_id, olds, news) {
    return Promise.resolve({ changes: diffUpgrade(olds, news).changes, replaces: [], deleteBeforeReplace: false });
  },

  // The installs put this version in place: nothing to run, no connection.
  async create(inputs) {
    const { randomBytes } = await import("node:crypto");
    return { id: randomBytes(8).toString("hex"), outs: { ...inputs, log: [] } };
  },

  async update(_id, olds, news) {
    if (!diffUpgrade(olds, news).upgrade) return { outs: { ...news, log: olds.log ?? [] } };
    return { outs: { ...news, log: await upgradeAll(news) } };
  },

  // Nodes keep their k3s; removing a node is the node's own resources' job.
  async delete() {
    return Promise.resolve();
  },

  async read(id, props) {
    return Promise.resolve({ id, props: props as UpgradeState });
  },
};

/**
 * The cluster's k3s version: a version change upgrades one node at a time in the given order
 * (dynamic provider over the remote commands' SSH code).
 */
export class K3sUpgrade extends pulumi.dynamic.Resource {
  /** The version the nodes run. */
  declare public readonly version: pulumi.Output<string>;
  /** What the last upgrade did, node by node. */
  declare public readonly log: pulumi.Output<string[]>;

  constructor(name: string, args: K3sUpgradeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        label: name,
        version: args.version,
        steps: args.steps,
        connections: pulumi.secret(args.connections),
        operator: args.operator,
        timeout: args.timeout,
        log: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connections"] }),
      "sophia-cluster",
      "K3sUpgrade",
    );
  }
}
