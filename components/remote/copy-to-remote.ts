import * as pulumi from "@pulumi/pulumi";

import {
  connectionReplaces,
  connectionSecrets,
  describeConnection,
  normalizeConnection,
  scrub,
  UNKNOWN,
  validateConnection,
  type ConnectionInput,
  type RemoteConnection,
  type ResolvedConnection,
} from "./connection";
import { shellQuote, tail } from "./script";
import { GONE_DIAL_LIMIT, keyParser, machineGone, run, withSession, type Session } from "./ssh";

export interface CopyToRemoteArgs {
  /** The host. Stored as a secret (it holds the private key). */
  readonly connection: pulumi.Input<RemoteConnection>;
  /** The file's content. Exactly one of `content` and `localPath`. */
  readonly content?: pulumi.Input<string>;
  /** A local file whose content is copied (read when the program is checked, so previews see changes). */
  readonly localPath?: pulumi.Input<string>;
  /** Absolute path on the host; missing parent folders are created. A change replaces the resource. */
  readonly remotePath: pulumi.Input<string>;
  /** Octal file mode. @default "0644" */
  readonly mode?: pulumi.Input<string>;
  /** Write through `sudo -n` (for a non-root user). @default false */
  readonly sudo?: pulumi.Input<boolean>;
  /** The content is secret: its hash is a secret output too and no message shows either. @default false */
  readonly secret?: boolean;
  /** Any change of these values writes the file again as a new resource (e.g. the machine's identity). */
  readonly triggers?: pulumi.Input<unknown[]>;
}

/** Inputs after `check` and the state. The content itself is never part of the state. */
export interface CopyState {
  label: string;
  connection: ResolvedConnection;
  remotePath: string;
  mode: string;
  sudo: boolean;
  secret: boolean;
  localPath?: string;
  triggers?: unknown[];
  /** Hex SHA-256 of the content: what dependents use as a trigger. */
  sha256: string;
  hostKey?: string;
  proxyHostKey?: string;
}

interface CopyInputs extends CopyState {
  content?: string;
}

/** Validates and normalises; computes the content's hash (from `content` or the local file). */
export function checkCopy(
  news: Partial<Record<keyof CopyInputs, unknown>>,
  readLocal: (path: string) => string,
  sha256: (s: string) => string,
  parseKey?: (key: string, passphrase?: string) => { type?: string } | Error,
): { inputs: CopyInputs; failures: { property: string; reason: string }[] } {
  const failures = validateConnection(news.connection as ConnectionInput, parseKey).map(([property, reason]) => ({
    property,
    reason,
  }));
  const hasContent = news.content !== undefined;
  const hasPath = news.localPath !== undefined;
  if (hasContent === hasPath) {
    failures.push({ property: "content", reason: "give exactly one of content and localPath" });
  }
  const remotePath = news.remotePath;
  if (remotePath !== UNKNOWN && (typeof remotePath !== "string" || !/^\/[^\0]*[^/]$/.test(remotePath))) {
    failures.push({ property: "remotePath", reason: "remotePath must be an absolute file path" });
  }
  const mode = news.mode ?? "0644";
  if (mode !== UNKNOWN && (typeof mode !== "string" || !/^0?[0-7]{3}$/.test(mode))) {
    failures.push({ property: "mode", reason: 'mode must be octal like "0644"' });
  }
  let hash = UNKNOWN;
  let content: string | undefined;
  if (hasContent && news.content !== UNKNOWN) {
    if (typeof news.content !== "string") failures.push({ property: "content", reason: "content must be a string" });
    else content = news.content;
  } else if (hasPath && news.localPath !== UNKNOWN) {
    try {
      content = readLocal(String(news.localPath));
    } catch (e) {
      failures.push({
        property: "localPath",
        reason: `cannot read ${String(news.localPath)}: ${(e as Error).message}`,
      });
    }
  }
  if (content !== undefined) hash = sha256(content);
  const inputs: CopyInputs = {
    label: typeof news.label === "string" ? news.label : "copy",
    connection: normalizeConnection(news.connection ?? {}),
    remotePath: remotePath as string,
    mode: typeof mode === "string" && mode.length === 3 ? `0${mode}` : (mode as string),
    sudo: (news.sudo ?? false) as boolean,
    secret: (news.secret ?? false) as boolean,
    sha256: hash,
  };
  if (hasContent) inputs.content = news.content as string;
  if (hasPath) inputs.localPath = news.localPath as string;
  if (news.triggers !== undefined && news.triggers !== UNKNOWN && !Array.isArray(news.triggers)) {
    failures.push({ property: "triggers", reason: "triggers must be a list" });
  }
  if (news.triggers !== undefined) inputs.triggers = news.triggers as unknown[];
  return { inputs, failures };
}

/** Replaces: another `remotePath`, `host` or `triggers`. A new content or mode is rewritten in place (atomically). */
export function diffCopy(olds: CopyState, news: CopyState): { changes: boolean; replaces: string[] } {
  const replaces: string[] = [];
  if (olds.remotePath !== news.remotePath) replaces.push("remotePath");
  if (JSON.stringify(olds.triggers ?? null) !== JSON.stringify(news.triggers ?? null)) replaces.push("triggers");
  if (connectionReplaces(olds.connection, news.connection)) replaces.push("connection");
  const changes =
    replaces.length > 0 ||
    (["sha256", "mode", "sudo", "secret", "localPath"] as const).some((k) => olds[k] !== news[k]) ||
    JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
  return { changes, replaces };
}

/**
 * The script that writes stdin to `path` atomically: a temporary file in the same folder, its mode
 * set, then renamed over the target; it prints the written file's SHA-256 to check the transfer.
 */
export function writeScript(path: string, mode: string, sudo: boolean): string {
  const p = shellQuote(path);
  const body = [
    "set -e",
    "umask 077",
    `dir=$(dirname ${p})`,
    'mkdir -p "$dir"',
    'tmp=$(mktemp "$dir/.sophia-copy.XXXXXX")',
    "trap 'rm -f \"$tmp\"' EXIT",
    'cat > "$tmp"',
    `chmod ${mode} "$tmp"`,
    `mv -f "$tmp" ${p}`,
    "trap - EXIT",
    `sha256sum ${p} | cut -d' ' -f1`,
  ].join("\n");
  return sudo ? `sudo -n sh -c ${shellQuote(body)}` : `sh -c ${shellQuote(body)}`;
}

/** The command printing the file's SHA-256, or nothing when it does not exist. */
export function hashScript(path: string, sudo: boolean): string {
  const body = `if [ -f ${shellQuote(path)} ]; then sha256sum ${shellQuote(path)} | cut -d' ' -f1; fi`;
  return sudo ? `sudo -n sh -c ${shellQuote(body)}` : body;
}

function pinsOf(s: CopyState): { hostKey?: string; proxyHostKey?: string } {
  const pins: { hostKey?: string; proxyHostKey?: string } = {};
  const hostKey = s.connection.hostKey ?? s.hostKey;
  const proxyHostKey = s.connection.proxy?.hostKey ?? s.proxyHostKey;
  if (hostKey) pins.hostKey = hostKey;
  if (proxyHostKey) pins.proxyHostKey = proxyHostKey;
  return pins;
}

async function contentOf(inputs: CopyInputs): Promise<string> {
  if (inputs.content !== undefined) return inputs.content;
  const { readFileSync } = await import("node:fs");
  return readFileSync(inputs.localPath!, "utf8");
}

async function write(inputs: CopyInputs, pins: { hostKey?: string; proxyHostKey?: string }): Promise<CopyState> {
  const what = `CopyToRemote ${inputs.label}`;
  const secrets = connectionSecrets(inputs.connection);
  try {
    const content = await contentOf(inputs);
    if (inputs.secret && content.length >= 8) secrets.push(content);
    const { createHash } = await import("node:crypto");
    const sha256 = createHash("sha256").update(content).digest("hex");
    return await withSession(what, inputs.connection, pins, async (session: Session) => {
      const r = await run(session, writeScript(inputs.remotePath, inputs.mode, inputs.sudo), {
        stdin: content,
        timeout: 300,
      });
      const where = `${what}: writing ${inputs.remotePath} on ${describeConnection(inputs.connection)}`;
      if (r.timedOut || r.code !== 0) {
        const status = r.timedOut ? "timed out" : `failed with exit code ${r.code}`;
        throw Object.assign(new Error(`${where} ${status}; stderr (last lines):\n${tail(r.stderr)}`), {
          explained: true,
        });
      }
      if (r.stdout.trim() !== sha256) {
        throw Object.assign(new Error(`${where}: the written file's SHA-256 differs from the content's`), {
          explained: true,
        });
      }
      const state: CopyState & { content?: string } = { ...inputs };
      delete state.content;
      return {
        ...state,
        sha256,
        hostKey: session.hostKey,
        ...(session.proxyHostKey ? { proxyHostKey: session.proxyHostKey } : {}),
      };
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(scrub(message.startsWith(what) ? message : `${what}: ${message}`, secrets));
  }
}

const provider: pulumi.dynamic.ResourceProvider<CopyInputs, CopyState> = {
  async check(_olds, news) {
    const { readFileSync } = await import("node:fs");
    const { createHash } = await import("node:crypto");
    return checkCopy(
      news,
      (p) => readFileSync(p, "utf8"),
      (s) => createHash("sha256").update(s).digest("hex"),
      await keyParser(),
    );
  },

  async diff(_id, olds, news) {
    return Promise.resolve({ ...diffCopy(olds, news), deleteBeforeReplace: false });
  },

  async create(inputs) {
    const outs = await write(inputs, pinsOf(inputs));
    return { id: `${inputs.remotePath}`, outs };
  },

  async update(_id, olds, news) {
    const pins = pinsOf({ ...news, hostKey: olds.hostKey, proxyHostKey: olds.proxyHostKey });
    const rewrite = (["sha256", "mode", "sudo", "localPath"] as const).some((k) => olds[k] !== news[k]);
    if (!rewrite) {
      const state: CopyState & { content?: string } = { ...news };
      delete state.content;
      const hostKey = news.connection.hostKey ?? olds.hostKey;
      const proxyHostKey = news.connection.proxy?.hostKey ?? olds.proxyHostKey;
      return { outs: { ...state, ...(hostKey ? { hostKey } : {}), ...(proxyHostKey ? { proxyHostKey } : {}) } };
    }
    return { outs: await write(news, pins) };
  },

  // Like upstream, the file stays on the host: destroying never needs a live machine.
  async delete() {
    return Promise.resolve();
  },

  // Refresh: the file's hash on the host (a drifted file shows as a change; a missing one is recreated).
  // A machine that is gone (down, terminated, or another machine at its address) cannot say: the
  // recorded state is kept, after a few dials rather than the full wait for a booting machine.
  async read(id, props) {
    const state = props as CopyState;
    const what = `CopyToRemote ${state.label}`;
    const connection = {
      ...state.connection,
      dialErrorLimit: Math.min(state.connection.dialErrorLimit, GONE_DIAL_LIMIT),
    };
    try {
      const live = await withSession(what, connection, pinsOf(state), (s) =>
        run(s, hashScript(state.remotePath, state.sudo), { timeout: 60 }),
      );
      if (live.code !== 0) throw new Error(`reading ${state.remotePath} failed with exit code ${live.code}`);
      const sha256 = live.stdout.trim();
      if (!sha256) return { id: "", props: {} as CopyState };
      return { id, props: { ...state, sha256 } };
    } catch (err) {
      if (machineGone(err)) return { id, props: state };
      throw new Error(scrub(`${what}: ${(err as Error).message}`, connectionSecrets(state.connection)));
    }
  },
};

/**
 * A file copied to a host over SSH (like `@pulumi/command`'s `remote.CopyToRemote`), written
 * atomically with its mode. Its `sha256` output changes with the content: use it as a trigger of
 * the commands that read the file.
 * @see https://www.pulumi.com/registry/packages/command/api-docs/remote/copytoremote/
 */
export class CopyToRemote extends pulumi.dynamic.Resource {
  /** Hex SHA-256 of the content (secret when `secret`). */
  declare public readonly sha256: pulumi.Output<string>;
  declare public readonly remotePath: pulumi.Output<string>;
  /** The host's key as recorded at the first connection. */
  declare public readonly hostKey: pulumi.Output<string>;

  constructor(name: string, args: CopyToRemoteArgs, opts?: pulumi.CustomResourceOptions) {
    const secret = args.secret ?? false;
    super(
      provider,
      name,
      {
        label: name,
        connection: pulumi.secret(args.connection),
        content: secret && args.content !== undefined ? pulumi.secret(args.content) : args.content,
        localPath: args.localPath,
        remotePath: args.remotePath,
        mode: args.mode,
        sudo: args.sudo,
        secret,
        triggers: args.triggers,
        sha256: undefined,
        hostKey: undefined,
        proxyHostKey: undefined,
      },
      pulumi.mergeOptions(opts, {
        additionalSecretOutputs: ["connection", ...(secret ? ["sha256"] : [])],
      }),
      "sophia-remote",
      "CopyToRemote",
    );
  }
}
