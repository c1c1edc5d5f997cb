import * as pulumi from "@pulumi/pulumi";

import {
  connectionReplaces,
  connectionSecrets,
  describeConnection,
  goneDialLimit,
  normalizeConnection,
  pinsOf,
  scrub,
  UNKNOWN,
  validateConnection,
  type ConnectionInput,
  type RemoteConnection,
  type ResolvedConnection,
} from "./connection";
import { commandFailure, ENV_NAME, LOGGING_VALUES, trimOutput, type Logging } from "./script";
import { keyParser, machineGone, run, withSession } from "./ssh";

export interface RemoteCommandArgs {
  /** The host. Stored as a secret (it holds the private key). */
  readonly connection: pulumi.Input<RemoteConnection>;
  /**
   * Runs when the resource is created, in the user's login shell. A change of it replaces the
   * resource (unlike upstream, where it is an update: here `update` is the in-place command).
   */
  readonly create?: pulumi.Input<string>;
  /**
   * Runs when other inputs change in place (`environment`, `stdin`, `update` itself). Without it,
   * a change of `environment` or `stdin` replaces the resource (runs `delete`, then `create`).
   */
  readonly update?: pulumi.Input<string>;
  /** Runs when the resource is deleted or replaced (before the new one is created). */
  readonly delete?: pulumi.Input<string>;
  /** Any change of these values replaces the resource (e.g. a content hash). */
  readonly triggers?: pulumi.Input<unknown[]>;
  /**
   * Variables exported in the script before the command (sent on stdin, so sshd's `AcceptEnv` does
   * not matter and values never show in the remote process list or in messages).
   */
  readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Sent to the command's stdin. */
  readonly stdin?: pulumi.Input<string>;
  /**
   * Which streams may appear in messages (a dynamic provider cannot stream to the engine's log, so
   * this governs error texts). @default "stdoutAndStderr"
   */
  readonly logging?: pulumi.Input<Logging>;
  /** Set `PULUMI_COMMAND_STDOUT`/`PULUMI_COMMAND_STDERR` from the last run for `update` and `delete`. @default true */
  readonly addPreviousOutputInEnv?: pulumi.Input<boolean>;
  /** Seconds each command may run before its process group is killed. @default 600 */
  readonly timeout?: pulumi.Input<number>;
  /**
   * The command's output is secret: `stdout`/`stderr` are secret outputs and never appear in a
   * diff, a log or an error (only the exit code). @default false
   */
  readonly secret?: boolean;
  /**
   * What `delete` does when the machine is gone: `skip` when, after {@link GONE_DIAL_LIMIT} dials, the
   * host cannot be reached or another machine answers at its address (a different host key). For
   * disposable machines (rented instances that are terminated or preempted, whose cleanup is moot);
   * never for a machine that may only be down for a while. @default "fail"
   */
  readonly whenGone?: pulumi.Input<WhenGone>;
}

/** What a `delete` does when the machine is gone. */
export type WhenGone = "fail" | "skip";

/** Inputs after `check` (defaults applied), and the state: inputs plus the outputs. */
export interface CommandState {
  label: string;
  connection: ResolvedConnection;
  create?: string;
  update?: string;
  delete?: string;
  triggers?: unknown[];
  environment?: Record<string, string>;
  stdin?: string;
  logging: Logging;
  addPreviousOutputInEnv: boolean;
  timeout: number;
  secret: boolean;
  whenGone?: WhenGone;
  stdout?: string;
  stderr?: string;
  hostKey?: string;
  proxyHostKey?: string;
}

export const DEFAULT_TIMEOUT = 600;

type Raw = Partial<Record<keyof CommandState, unknown>>;

/** Validates and normalises the inputs; every problem at once, none with key material in it. */
export function checkCommand(
  news: Raw,
  parseKey?: (key: string, passphrase?: string) => { type?: string } | Error,
): { inputs: CommandState; failures: { property: string; reason: string }[] } {
  const failures = validateConnection(news.connection as ConnectionInput, parseKey).map(([property, reason]) => ({
    property,
    reason,
  }));
  if (news.create === undefined && news.update === undefined && news.delete === undefined) {
    failures.push({ property: "create", reason: "give at least one of create, update or delete" });
  }
  for (const key of ["create", "update", "delete", "stdin"] as const) {
    const v = news[key];
    if (v !== undefined && typeof v !== "string") failures.push({ property: key, reason: `${key} must be a string` });
  }
  if (news.logging !== undefined && news.logging !== UNKNOWN && !LOGGING_VALUES.includes(news.logging as Logging)) {
    failures.push({ property: "logging", reason: `logging must be one of ${LOGGING_VALUES.join(", ")}` });
  }
  const timeout = news.timeout ?? DEFAULT_TIMEOUT;
  if (timeout !== UNKNOWN && !(typeof timeout === "number" && timeout > 0 && timeout <= 86_400)) {
    failures.push({ property: "timeout", reason: "timeout must be seconds in (0, 86400]" });
  }
  if (
    news.whenGone !== undefined &&
    news.whenGone !== UNKNOWN &&
    news.whenGone !== "fail" &&
    news.whenGone !== "skip"
  ) {
    failures.push({ property: "whenGone", reason: 'whenGone must be "fail" or "skip"' });
  }
  if (news.triggers !== undefined && news.triggers !== UNKNOWN && !Array.isArray(news.triggers)) {
    failures.push({ property: "triggers", reason: "triggers must be a list" });
  }
  const env = news.environment;
  if (env !== undefined && env !== UNKNOWN) {
    if (typeof env !== "object" || env === null || Array.isArray(env)) {
      failures.push({ property: "environment", reason: "environment must map names to strings" });
    } else {
      for (const [k, v] of Object.entries(env)) {
        if (!ENV_NAME.test(k)) {
          failures.push({ property: `environment.${k}`, reason: "not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)" });
        }
        // The value is never quoted here: it may be a secret.
        if (v !== UNKNOWN && typeof v !== "string") {
          failures.push({ property: `environment.${k}`, reason: "the value must be a string" });
        }
      }
    }
  }
  const inputs: CommandState = {
    label: typeof news.label === "string" ? news.label : "command",
    connection: normalizeConnection(news.connection ?? {}),
    logging: (news.logging ?? "stdoutAndStderr") as Logging,
    addPreviousOutputInEnv: (news.addPreviousOutputInEnv ?? true) as boolean,
    timeout: timeout as number,
    secret: (news.secret ?? false) as boolean,
  };
  for (const key of ["create", "update", "delete", "stdin"] as const) {
    if (news[key] !== undefined) inputs[key] = news[key] as string;
  }
  if (news.triggers !== undefined) inputs.triggers = news.triggers as unknown[];
  if (news.whenGone !== undefined) inputs.whenGone = news.whenGone as WhenGone;
  if (env !== undefined) inputs.environment = env as Record<string, string>;
  return { inputs, failures };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Connection fields compared for a change (the recorded key is state, not input). */
function connectionKey(c: ResolvedConnection): string {
  return JSON.stringify(normalizeConnection(c));
}

/**
 * The plan for a change: which inputs replace the resource, and whether anything changed. Replaces:
 * `create`, `triggers`, the connection's `host` (another machine), and — when there is no `update`
 * command to apply them — `environment` and `stdin`.
 */
export function diffCommand(olds: CommandState, news: CommandState): { changes: boolean; replaces: string[] } {
  const replaces: string[] = [];
  if (!same(olds.create, news.create)) replaces.push("create");
  if (!same(olds.triggers, news.triggers)) replaces.push("triggers");
  if (connectionReplaces(olds.connection, news.connection)) replaces.push("connection");
  if (news.update === undefined) {
    if (!same(olds.environment, news.environment)) replaces.push("environment");
    if (!same(olds.stdin, news.stdin)) replaces.push("stdin");
  }
  const fields = [
    "update",
    "delete",
    "environment",
    "stdin",
    "logging",
    "addPreviousOutputInEnv",
    "timeout",
    "secret",
    "whenGone",
  ] as const;
  const changes =
    replaces.length > 0 ||
    fields.some((f) => !same(olds[f], news[f])) ||
    connectionKey(olds.connection) !== connectionKey(news.connection);
  return { changes, replaces };
}

/** Whether an in-place update runs the `update` command. */
export function updateRuns(olds: CommandState, news: CommandState): boolean {
  return (
    news.update !== undefined &&
    (!same(olds.update, news.update) || !same(olds.environment, news.environment) || !same(olds.stdin, news.stdin))
  );
}

/** The environment of a command, with the previous output for `update` and `delete`. */
export function commandEnvironment(state: CommandState, previous?: CommandState): Record<string, string> {
  const env = { ...(state.environment ?? {}) };
  if (previous && state.addPreviousOutputInEnv) {
    env["PULUMI_COMMAND_STDOUT"] = previous.stdout ?? "";
    env["PULUMI_COMMAND_STDERR"] = previous.stderr ?? "";
  }
  return env;
}

/** Values to scrub from any message of this resource. */
function secretsOf(s: CommandState): string[] {
  const values = [...connectionSecrets(s.connection), ...Object.values(s.environment ?? {})];
  if (s.stdin) values.push(s.stdin);
  if (s.secret && s.stdout) values.push(s.stdout);
  if (s.secret && s.stderr) values.push(s.stderr);
  return values.filter((v) => typeof v === "string" && v.length >= 8);
}

/** How {@link runRemote} runs a command and what its messages may show. */
export interface RunOptions {
  environment?: Record<string, string>;
  stdin?: string;
  /** Seconds before the command's process group is killed. */
  timeout: number;
  /** The output is secret: no message shows it. */
  secret: boolean;
  logging: Logging;
  /** Values scrubbed from every message (credentials, environment values, stdin). */
  secrets: string[];
}

/**
 * Runs `command` on the host over its own connection (pinned by `pins`), or only connects when
 * there is no command (to record the host key). Returns the outputs, or throws an error naming
 * `what`, the operation, the host, the exit code and the tail of stderr, with every secret scrubbed.
 * Shared by RemoteCommand and providers that run ordered steps over SSH (the k3s upgrade).
 */
export async function runRemote(
  what: string,
  op: string,
  connection: ResolvedConnection,
  pins: { hostKey?: string; proxyHostKey?: string },
  command: string | undefined,
  opts: RunOptions,
): Promise<{ stdout?: string; stderr?: string; hostKey: string; proxyHostKey?: string }> {
  try {
    return await withSession(what, connection, pins, async (session) => {
      const keys = {
        hostKey: session.hostKey,
        ...(session.proxyHostKey ? { proxyHostKey: session.proxyHostKey } : {}),
      };
      if (command === undefined) return keys;
      const r = await run(session, command, {
        environment: opts.environment ?? {},
        ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
        timeout: opts.timeout,
      });
      if (r.timedOut || r.code !== 0) {
        const where = `${what}: ${op} on ${describeConnection(connection)}`;
        const outputs = opts.secret ? [r.stdout, r.stderr].filter((v) => v.length >= 8) : [];
        const scrubbed = { ...r, stderr: scrub(r.stderr, [...opts.secrets, ...outputs]) };
        throw Object.assign(new Error(commandFailure(where, scrubbed, opts)), { explained: true });
      }
      return { ...keys, stdout: trimOutput(r.stdout), stderr: trimOutput(r.stderr) };
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const text =
      (err as { explained?: boolean }).explained || message.startsWith(what) ? message : `${what}: ${message}`;
    throw Object.assign(new Error(scrub(text, opts.secrets)), { gone: machineGone(err) });
  }
}

/** Runs one of the commands; returns the new outputs or throws a scrubbed, explained error. */
async function execute(
  op: "create" | "update" | "delete",
  state: CommandState,
  pins: { hostKey?: string; proxyHostKey?: string },
  previous?: CommandState,
): Promise<Pick<CommandState, "stdout" | "stderr" | "hostKey" | "proxyHostKey">> {
  const command = state[op];
  const c = state.connection;
  // Nothing to run and no key to record (both pinned): no connection at all. A delete-only command
  // costs nothing on create, like upstream's.
  if (command === undefined && c.hostKey && (!c.proxy || c.proxy.hostKey)) {
    return { hostKey: c.hostKey, ...(c.proxy?.hostKey ? { proxyHostKey: c.proxy.hostKey } : {}) };
  }
  return runRemote(`RemoteCommand ${state.label}`, op, c, pins, command, {
    environment: commandEnvironment(state, previous),
    ...(state.stdin !== undefined ? { stdin: state.stdin } : {}),
    timeout: state.timeout,
    secret: state.secret,
    logging: state.logging,
    secrets: secretsOf(state),
  });
}

/** Without its undefined fields (the engine's protocol has no `undefined`). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const provider: pulumi.dynamic.ResourceProvider<CommandState, CommandState> = {
  async check(_olds, news) {
    return checkCommand(news, await keyParser());
  },

  async diff(_id, olds, news) {
    const d = diffCommand(olds, news);
    // Undo, then do: the old resource's delete runs before the new one's create on the same host.
    return Promise.resolve({ changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.replaces.length > 0 });
  },

  async create(inputs) {
    const outs = await execute("create", inputs, pinsOf(inputs));
    const { randomBytes } = await import("node:crypto");
    return { id: randomBytes(8).toString("hex"), outs: defined({ ...inputs, ...outs }) };
  },

  async update(_id, olds, news) {
    const pins = pinsOf({ ...news, hostKey: olds.hostKey, proxyHostKey: olds.proxyHostKey });
    const kept = {
      stdout: olds.stdout,
      stderr: olds.stderr,
      hostKey: news.connection.hostKey ?? olds.hostKey,
      proxyHostKey: news.connection.proxy?.hostKey ?? olds.proxyHostKey,
    };
    if (!updateRuns(olds, news)) return { outs: defined({ ...news, ...kept }) };
    const outs = await execute("update", news, pins, olds);
    return { outs: defined({ ...news, ...kept, ...outs }) };
  },

  async delete(_id, props) {
    // Without a delete command the host is not contacted: destroying never needs a live machine.
    if (props.delete === undefined) return;
    const skip = props.whenGone === "skip";
    try {
      await execute(
        "delete",
        skip ? { ...props, connection: goneDialLimit(props.connection) } : props,
        pinsOf(props),
        props,
      );
    } catch (err) {
      // The machine was terminated or replaced: there is nothing left on it to clean up.
      if (skip && machineGone(err)) return;
      throw err;
    }
  },

  // Nothing on the host describes a command: refresh keeps the recorded state.
  async read(id, props) {
    return Promise.resolve({ id, props: props as CommandState });
  },
};

/**
 * A command run over SSH on create, update and delete (dynamic provider over `ssh2`), shaped like
 * `@pulumi/command`'s `remote.Command`. The host key is pinned (given, or recorded at the first
 * connection and required after); dials retry with a capped exponential backoff; each command runs
 * under a timeout; a failure names the resource, host, exit code and the tail of stderr.
 * @see https://www.pulumi.com/registry/packages/command/api-docs/remote/command/
 */
export class RemoteCommand extends pulumi.dynamic.Resource {
  /** The command's stdout (one trailing newline removed); secret when `secret` is set. */
  declare public readonly stdout: pulumi.Output<string | undefined>;
  /** The command's stderr; secret when `secret` is set. */
  declare public readonly stderr: pulumi.Output<string | undefined>;
  /** The host's key as recorded at the first connection (`ssh-ed25519 AAAA…`): pin later commands with it. */
  declare public readonly hostKey: pulumi.Output<string>;
  /** The proxy's key, when a proxy is used. */
  declare public readonly proxyHostKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: RemoteCommandArgs, opts?: pulumi.CustomResourceOptions) {
    const secret = args.secret ?? false;
    super(
      provider,
      name,
      {
        label: name,
        connection: pulumi.secret(args.connection),
        create: args.create,
        update: args.update,
        delete: args.delete,
        triggers: args.triggers,
        environment: args.environment,
        stdin: args.stdin,
        logging: args.logging,
        addPreviousOutputInEnv: args.addPreviousOutputInEnv,
        timeout: args.timeout,
        secret,
        whenGone: args.whenGone,
        stdout: undefined,
        stderr: undefined,
        hostKey: undefined,
        proxyHostKey: undefined,
      },
      pulumi.mergeOptions(opts, {
        additionalSecretOutputs: ["connection", ...(secret ? ["stdout", "stderr"] : [])],
      }),
      "sophia-remote",
      "RemoteCommand",
    );
  }
}
