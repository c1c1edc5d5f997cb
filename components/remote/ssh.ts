/**
 * The SSH side of the remote providers, over `ssh2` (loaded inside the functions: dynamic providers
 * are serialized, and a client must never be captured). Dialing retries with a capped exponential
 * backoff, verifies the host key against a pin, and hops through an optional bastion.
 */
import type { Client, ClientChannel, ConnectConfig } from "ssh2";

import {
  backoffSchedule,
  connectionSecrets,
  fingerprint,
  hostKeyAlgorithms,
  keyErrorText,
  parseHostKey,
  scrub,
  type Hop,
  type ResolvedConnection,
} from "./connection";
import { execLine, OUTPUT_LIMIT, renderScript, splitPidMarker, type CommandResult } from "./script";

/**
 * The `ssh2` module, loaded when called (never captured by a serialized provider). Under the
 * provider's CommonJS interop the exports may sit on `default`.
 */
export async function loadSsh2(): Promise<typeof import("ssh2")> {
  const m = (await import("ssh2")) as typeof import("ssh2") & { default?: typeof import("ssh2") };
  return m.default?.Client ? m.default : m;
}

/** Parses a private key with ssh2 (for `check`). */
export async function keyParser(): Promise<(key: string, passphrase?: string) => { type?: string } | Error> {
  const { utils } = await loadSsh2();
  return (key, passphrase) => utils.parseKey(key, passphrase);
}

/** An open connection (and its bastion, if any), with the host keys seen. */
export interface Session {
  client: Client;
  /** OpenSSH line of the target's key, e.g. `ssh-ed25519 AAAA…`. */
  hostKey: string;
  proxyHostKey?: string;
  close(): void;
}

/** Pins to enforce: the connection's own `hostKey`, else the one recorded in state. */
export interface Pins {
  hostKey?: string;
  proxyHostKey?: string;
}

/** Not retried: the host is not the one we know, or the key cannot be used. */
function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}

/**
 * Why a host could not be used as the machine this resource knows: not reachable after every dial,
 * or another machine answering at its address (a different host key).
 */
export type MachineGone = "unreachable" | "host-key-changed";

/** The reason an error from {@link open} or {@link withSession} carries, if it says the machine is gone. */
export function machineGone(err: unknown): MachineGone | undefined {
  return (err as { gone?: MachineGone } | undefined)?.gone;
}

function keyLine(raw: Buffer): string {
  const len = raw.readUInt32BE(0);
  return `${raw.subarray(4, 4 + len).toString()} ${raw.toString("base64")}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One dial of one hop: resolves when authenticated, with the key the host presented. */
async function dialOnce(
  what: string,
  hop: Hop,
  pin: string | undefined,
  pinSource: string,
  sock?: NodeJS.ReadableStream,
): Promise<{ client: Client; hostKey: string }> {
  const { Client: SshClient } = await loadSsh2();
  const client = new SshClient();
  const pinned = pin ? parseHostKey(pin) : undefined;
  if (typeof pinned === "string") throw fatal(`${what}: the pinned host key is not valid (${pinned})`);
  let seen: Buffer | undefined;
  let mismatch: Error | undefined;
  return new Promise((resolve, reject) => {
    let settled = false;
    // Declared before the handlers that clear it (the closure serializer needs it in scope).
    let timer: NodeJS.Timeout | undefined = undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners("ready");
      client.on("error", () => undefined); // late errors of a dropped client
      client.destroy();
      reject(mismatch ?? err);
    };
    timer = setTimeout(
      () => fail(new Error(`no SSH session within ${hop.perDialTimeout}s (perDialTimeout)`)),
      hop.perDialTimeout * 1000,
    );
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.on("error", () => undefined);
      resolve({ client, hostKey: keyLine(seen!) });
    });
    client.on("error", (err) => fail(err));
    client.once("close", () => fail(new Error("the connection closed during the handshake")));
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      readyTimeout: hop.perDialTimeout * 1000 + 1000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        seen = Buffer.from(key);
        if (pinned && !pinned.raw.equals(key)) {
          mismatch = Object.assign(
            fatal(
              `${what}: the host key of ${hop.host}:${hop.port} changed: expected ${fingerprint(pinned.raw)} ` +
                `(${pinSource}), the host presented ${fingerprint(key)}. If the host was reinstalled, set ` +
                `connection.hostKey to its new key (or replace this resource); otherwise do not connect.`,
            ),
            { gone: "host-key-changed" },
          );
          return false;
        }
        return true;
      },
    };
    const algorithms = hostKeyAlgorithms(pin);
    if (algorithms) config.algorithms = { serverHostKey: algorithms as never };
    if (hop.privateKey) config.privateKey = hop.privateKey;
    if (hop.privateKeyPassword) config.passphrase = hop.privateKeyPassword;
    if (sock) config.sock = sock as never;
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 throws synchronously for a key it cannot parse: never retried, never shows the key.
      mismatch = fatal(`${what}: cannot parse privateKey of ${hop.host} (${keyErrorText((err as Error).message)})`);
      fail(mismatch);
    }
  });
}

/** A TCP stream from the bastion to the target. */
function forward(bastion: Client, hop: Hop): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    bastion.forwardOut("127.0.0.1", 0, hop.host, hop.port, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Dials one hop with bounded retries; the final error names what, where, attempts and last cause. */
async function dialWithRetries(
  what: string,
  hop: Hop,
  pin: string | undefined,
  pinSource: string,
  secrets: string[],
  via?: Client,
): Promise<{ client: Client; hostKey: string }> {
  const waits = backoffSchedule(hop.dialErrorLimit);
  const started = Date.now();
  let last: unknown;
  for (let attempt = 1; attempt <= hop.dialErrorLimit; attempt++) {
    try {
      const sock = via ? await forward(via, hop) : undefined;
      return await dialOnce(what, hop, pin, pinSource, sock);
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) {
        throw Object.assign(new Error(scrub((err as Error).message, secrets)), { gone: machineGone(err) });
      }
      last = err;
      if (attempt < hop.dialErrorLimit) await sleep(waits[attempt - 1]!);
    }
  }
  const cause = last instanceof Error ? last.message : String(last);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  throw Object.assign(
    new Error(
      scrub(
        `${what}: could not connect to ${hop.user}@${hop.host}:${hop.port}${via ? " (through the proxy)" : ""} ` +
          `after ${hop.dialErrorLimit} attempts over ${seconds}s (dialErrorLimit ${hop.dialErrorLimit}, ` +
          `perDialTimeout ${hop.perDialTimeout}s); last error: ${cause}`,
        secrets,
      ),
    ),
    { gone: "unreachable" },
  );
}

/**
 * Opens a session to `c` (through its proxy), enforcing the pins. `what` names the resource in
 * every error ("RemoteCommand node-1-install").
 */
export async function open(what: string, c: ResolvedConnection, pins: Pins): Promise<Session> {
  const secrets = connectionSecrets(c);
  let bastion: { client: Client; hostKey: string } | undefined;
  if (c.proxy) {
    const pin = c.proxy.hostKey ?? pins.proxyHostKey;
    const source = c.proxy.hostKey ? "pinned in connection.proxy.hostKey" : "recorded at the first connection";
    // A bastion that cannot be used says nothing about the target machine: never "gone".
    bastion = await dialWithRetries(`${what} (proxy)`, c.proxy, pin, source, secrets).catch((err: unknown) => {
      throw Object.assign(err as Error, { gone: undefined });
    });
  }
  try {
    const pin = c.hostKey ?? pins.hostKey;
    const source = c.hostKey ? "pinned in connection.hostKey" : "recorded at the first connection";
    const target = await dialWithRetries(what, c, pin, source, secrets, bastion?.client);
    return {
      client: target.client,
      hostKey: target.hostKey,
      ...(bastion ? { proxyHostKey: bastion.hostKey } : {}),
      close: () => {
        target.client.end();
        bastion?.client.end();
      },
    };
  } catch (err) {
    bastion?.client.end();
    throw err;
  }
}

/** Appends to a capped buffer. */
function collector(): { add(d: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  return {
    add(d) {
      if (size >= OUTPUT_LIMIT) {
        truncated = true;
        return;
      }
      chunks.push(d.subarray(0, OUTPUT_LIMIT - size));
      size += Math.min(d.length, OUTPUT_LIMIT - size);
      if (d.length > OUTPUT_LIMIT - size) truncated = true;
    },
    text() {
      const t = Buffer.concat(chunks).toString("utf8");
      return truncated ? `${t}\n[output truncated at ${OUTPUT_LIMIT} bytes]` : t;
    },
  };
}

function execChannel(client: Client, line: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(line, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/**
 * Runs `command` with `environment` and `stdin` (bytes as given: a Buffer is sent unchanged) in the
 * login shell of the session's user. On timeout the remote process group is killed (the shell is a
 * session leader under sshd).
 */
export async function run(
  session: Session,
  command: string,
  opts: { environment?: Record<string, string>; stdin?: string | Buffer; timeout: number },
): Promise<CommandResult> {
  const script = renderScript(command, opts.environment);
  const ch = await execChannel(session.client, execLine(script));
  const out = collector();
  const err = collector();
  return new Promise((resolve) => {
    let code: number | null = null;
    let signal: string | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const { pid } = splitPidMarker(err.text());
      const finish = (): void => {
        try {
          ch.signal("KILL");
          ch.close();
        } catch {
          // already closed
        }
      };
      if (!pid) return finish();
      execChannel(session.client, `kill -KILL -- -${pid} ${pid} 2>/dev/null; true`)
        .then((k) => {
          k.resume();
          k.stderr.resume();
          k.on("close", finish);
        })
        .catch(finish);
    }, opts.timeout * 1000);
    ch.on("data", (d: Buffer) => out.add(d));
    ch.stderr.on("data", (d: Buffer) => err.add(d));
    ch.on("exit", (c: number | null, s?: string) => {
      code = c;
      signal = s ?? undefined;
    });
    ch.on("close", () => {
      clearTimeout(timer);
      const e = splitPidMarker(err.text());
      resolve({
        code: timedOut ? null : code,
        ...(signal ? { signal } : {}),
        stdout: out.text(),
        stderr: e.stderr,
        timedOut,
      });
    });
    ch.write(script);
    if (opts.stdin) ch.write(opts.stdin);
    ch.end();
  });
}

/** Opens a session, runs `fn`, always closes. */
export async function withSession<T>(
  what: string,
  c: ResolvedConnection,
  pins: Pins,
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  const session = await open(what, c, pins);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
