import * as pulumi from "@pulumi/pulumi";

import {
  connectionSecrets,
  describeConnection,
  goneDialLimit,
  pinsOf,
  scrub,
  type RemoteConnection,
} from "./connection";
import {
  checkCopy,
  copyEntries,
  copyState,
  diffCopy,
  entriesToWrite,
  hashScript,
  writeScript,
  type CopyEntry,
  type CopyInputs,
  type CopyState,
} from "./copy-plan";
import { tail } from "./script";
import { keyParser, machineGone, open, run, withSession, type Session } from "./ssh";

/** One file of a bundle, as given: its content may come from other resources. @see CopyFile */
export interface CopyFileArgs {
  /** The file's text (written as UTF-8). Exactly one of `content` and `localPath`. */
  readonly content?: pulumi.Input<string>;
  /** A local file copied byte for byte (its content never enters the state). */
  readonly localPath?: pulumi.Input<string>;
  /** Octal file mode. @default "0644" */
  readonly mode?: pulumi.Input<string>;
}

export interface CopyToRemoteArgs {
  /** The host. Stored as a secret (it holds the private key). */
  readonly connection: pulumi.Input<RemoteConnection>;
  /** The file's text. Exactly one of `content`, `localPath` and `files`. */
  readonly content?: pulumi.Input<string>;
  /**
   * A local file copied byte for byte (binary-safe; hashed when the program is checked, so previews
   * see changes; its content never enters the state).
   */
  readonly localPath?: pulumi.Input<string>;
  /**
   * Several files in one SSH connection, by path relative to `remotePath` (then a directory), like
   * upstream's `source` given an `AssetArchive`. Each is written atomically and verified like a single
   * file; an update rewrites only the files whose content, source or mode changed. Files dropped from
   * the map stay on the host (as a deleted copy does).
   */
  readonly files?: pulumi.Input<Record<string, pulumi.Input<CopyFileArgs>>>;
  /** Absolute path on the host (of the file, or of the directory of `files`); missing parent folders are created. A change replaces the resource. */
  readonly remotePath: pulumi.Input<string>;
  /** Octal file mode of a single file (`files` give theirs per file). @default "0644" */
  readonly mode?: pulumi.Input<string>;
  /** Write through `sudo -n` (for a non-root user). @default false */
  readonly sudo?: pulumi.Input<boolean>;
  /** The content is secret: its hash is a secret output too and no message shows either. @default false */
  readonly secret?: boolean;
  /** Any change of these values writes the files again as a new resource (e.g. the machine's identity). */
  readonly triggers?: pulumi.Input<unknown[]>;
}

/** Files of a bundle written at the same time, each on its own channel of the one connection. */
const COPY_CHANNELS = 4;

/** The bytes to write: the text as UTF-8, or the local file exactly as it is. */
async function bytesOf(entry: CopyEntry): Promise<Buffer> {
  if (entry.content !== undefined) return Buffer.from(entry.content, "utf8");
  const { readFile } = await import("node:fs/promises");
  return readFile(entry.localPath!);
}

async function sha256Of(data: string | Buffer): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Writes `entries` of `inputs` over one SSH connection (one channel per file), verifying each
 * written file's SHA-256 against the bytes sent; returns the state.
 */
async function write(
  inputs: CopyInputs,
  entries: CopyEntry[],
  pins: { hostKey?: string; proxyHostKey?: string },
  previous?: CopyState,
): Promise<CopyState> {
  const what = `CopyToRemote ${inputs.label}`;
  const secrets = connectionSecrets(inputs.connection);
  try {
    const written = new Map<string, string>();
    // Unchanged files keep their recorded hashes.
    if (previous) for (const e of copyEntries(previous)) written.set(e.path, e.sha256);
    // One connection for every file (the handshake is the costly part); none when nothing changed.
    const session = entries.length > 0 ? await open(what, inputs.connection, pins) : undefined;
    try {
      const writeOne = async (entry: CopyEntry): Promise<void> => {
        const data = await bytesOf(entry);
        if (inputs.secret && data.length >= 8) secrets.push(data.toString("utf8"));
        const sha256 = await sha256Of(data);
        const r = await run(session!, writeScript(entry.path, entry.mode, inputs.sudo), { stdin: data, timeout: 300 });
        const where = `${what}: writing ${entry.path} on ${describeConnection(inputs.connection)}`;
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
        written.set(entry.path, sha256);
      };
      // A few channels at once on the one connection (each starts a remote shell; sshd allows 10
      // sessions per connection by default, MaxSessions).
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < entries.length) await writeOne(entries[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(COPY_CHANNELS, entries.length) }, worker));
    } finally {
      session?.close();
    }
    const { createHash } = await import("node:crypto");
    const state = copyState(inputs, written, (d) => createHash("sha256").update(d).digest("hex"));
    const hostKey = session?.hostKey ?? inputs.connection.hostKey ?? previous?.hostKey;
    const proxyHostKey = session?.proxyHostKey ?? inputs.connection.proxy?.hostKey ?? previous?.proxyHostKey;
    return { ...state, ...(hostKey ? { hostKey } : {}), ...(proxyHostKey ? { proxyHostKey } : {}) };
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
      (p) => readFileSync(p),
      (d) => createHash("sha256").update(d).digest("hex"),
      await keyParser(),
    );
  },

  async diff(_id, olds, news) {
    return Promise.resolve({ ...diffCopy(olds, news), deleteBeforeReplace: false });
  },

  async create(inputs) {
    const outs = await write(inputs, copyEntries(inputs), pinsOf(inputs));
    return { id: `${inputs.remotePath}`, outs };
  },

  // Only what changed is written (nothing at all for a new port, user or key: no connection then).
  async update(_id, olds, news) {
    const pins = pinsOf({ ...news, hostKey: olds.hostKey, proxyHostKey: olds.proxyHostKey });
    return { outs: await write(news, entriesToWrite(olds, news), pins, olds) };
  },

  // Like upstream, the file stays on the host: destroying never needs a live machine.
  async delete() {
    return Promise.resolve();
  },

  // Refresh: the files' hashes on the host (a drifted file shows as a change; a missing one is rewritten).
  // A machine that is gone (down, terminated, or another machine at its address) cannot say: the
  // recorded state is kept, after a few dials rather than the full wait for a booting machine.
  async read(id, props) {
    const state = props as CopyState;
    const what = `CopyToRemote ${state.label}`;
    const connection = goneDialLimit(state.connection);
    try {
      const entries = copyEntries(state);
      const live = await withSession(what, connection, pinsOf(state), (s: Session) =>
        run(
          s,
          hashScript(
            entries.map((e) => e.path),
            state.sudo,
          ),
          { timeout: 60 },
        ),
      );
      if (live.code !== 0) throw new Error(`reading ${state.remotePath} failed with exit code ${live.code}`);
      const hashes = live.stdout.split("\n");
      if (!state.files) {
        const sha256 = (hashes[0] ?? "").trim();
        return sha256 ? { id, props: { ...state, sha256 } } : { id: "", props: {} as CopyState };
      }
      const written = new Map(entries.map((e, i) => [e.path, (hashes[i] ?? "").trim()]));
      const { createHash } = await import("node:crypto");
      const fresh = copyState(state, written, (d) => createHash("sha256").update(d).digest("hex"));
      return { id, props: { ...state, files: fresh.files, sha256: fresh.sha256 } };
    } catch (err) {
      if (machineGone(err)) return { id, props: state };
      throw new Error(scrub(`${what}: ${(err as Error).message}`, connectionSecrets(state.connection)));
    }
  },
};

/**
 * A file, or a bundle of files, copied to a host over SSH (like `@pulumi/command`'s
 * `remote.CopyToRemote`), byte for byte, each written atomically with its mode over one connection.
 * Its `sha256` output changes with the content: use it as a trigger of the commands that read it.
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
        files: secret && args.files !== undefined ? pulumi.secret(args.files) : args.files,
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
        additionalSecretOutputs: ["connection", ...(secret ? ["sha256", "files"] : [])],
      }),
      "sophia-remote",
      "CopyToRemote",
    );
  }
}
