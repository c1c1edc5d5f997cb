/**
 * How to reach a host over SSH, shaped like `@pulumi/command`'s `remote.Connection`, and the pure
 * rules around it: defaults, validation, host-key fingerprints, the dial backoff, and scrubbing key
 * material out of any text that may reach a log or an error.
 * @see https://www.pulumi.com/registry/packages/command/api-docs/remote/command/#connection
 */
import { createHash } from "node:crypto";

import type * as pulumi from "@pulumi/pulumi";

/** A bastion: the same fields as {@link RemoteConnection}, without a further hop. */
export interface ProxyConnection {
  /** Address (IP or DNS name) of the host. */
  readonly host: pulumi.Input<string>;
  /** @default 22 */
  readonly port?: pulumi.Input<number>;
  /** @default "root" */
  readonly user?: pulumi.Input<string>;
  /** OpenSSH or PEM private key. Pass a secret; it never appears in state plaintext, logs or errors. */
  readonly privateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted `privateKey`. */
  readonly privateKeyPassword?: pulumi.Input<string>;
  /**
   * The host's public key as an OpenSSH line (`ssh-ed25519 AAAA…`, as in `known_hosts` without the
   * host name, or the host's `/etc/ssh/ssh_host_ed25519_key.pub`). Given: the host must present it.
   * Omitted: the key seen at the first connection is recorded and required from then on.
   */
  readonly hostKey?: pulumi.Input<string>;
  /** Dial attempts before giving up (a booting machine needs several). @default 10 */
  readonly dialErrorLimit?: pulumi.Input<number>;
  /** Seconds one dial (TCP connect plus SSH handshake) may take. @default 15 */
  readonly perDialTimeout?: pulumi.Input<number>;
}

/** How to reach a host over SSH. */
export interface RemoteConnection extends ProxyConnection {
  /** A bastion to hop through (its own key pinning and retries apply). */
  readonly proxy?: pulumi.Input<ProxyConnection>;
}

/** A connection with inputs resolved and defaults applied (what providers store and use). */
export interface Hop {
  host: string;
  port: number;
  user: string;
  privateKey?: string;
  privateKeyPassword?: string;
  hostKey?: string;
  dialErrorLimit: number;
  perDialTimeout: number;
}

export interface ResolvedConnection extends Hop {
  proxy?: Hop;
}

/** Plain (resolved) connection as the provider receives it; any field may be missing or mistyped. */
export type ConnectionInput = Partial<Record<keyof ResolvedConnection, unknown>>;

/** The engine's marker for a value not known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const DEFAULT_PORT = 22;
export const DEFAULT_USER = "root";
export const DEFAULT_DIAL_ERROR_LIMIT = 10;
export const DEFAULT_PER_DIAL_TIMEOUT = 15;
/** First wait between dials, doubling up to {@link BACKOFF_CAP_MS}. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 15_000;

/** Key types a pinned host key may have, with the host-key algorithms that present each. */
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

/** Applies defaults; keeps whatever it cannot interpret so that {@link validateConnection} reports it. */
export function normalizeConnection(c: ConnectionInput): ResolvedConnection {
  if ((c as unknown) === UNKNOWN) return c as unknown as ResolvedConnection;
  const hop = (h: ConnectionInput): Hop => {
    const out: Hop = {
      host: h.host as string,
      port: (h.port ?? DEFAULT_PORT) as number,
      user: (h.user ?? DEFAULT_USER) as string,
      dialErrorLimit: (h.dialErrorLimit ?? DEFAULT_DIAL_ERROR_LIMIT) as number,
      perDialTimeout: (h.perDialTimeout ?? DEFAULT_PER_DIAL_TIMEOUT) as number,
    };
    if (h.privateKey !== undefined && h.privateKey !== "") out.privateKey = h.privateKey as string;
    if (h.privateKeyPassword !== undefined && h.privateKeyPassword !== "")
      out.privateKeyPassword = h.privateKeyPassword as string;
    if (h.hostKey !== undefined && h.hostKey !== "") out.hostKey = normalizeHostKey(h.hostKey as string);
    return out;
  };
  const out: ResolvedConnection = hop(c);
  if (c.proxy !== undefined && c.proxy !== null) out.proxy = hop(c.proxy);
  return out;
}

/** `ssh-ed25519 AAAA…` without a trailing comment or surrounding space; other text is kept as is. */
export function normalizeHostKey(key: string): string {
  if (typeof key !== "string") return key;
  const parts = key.trim().split(/\s+/);
  return parts.length >= 2 && parts[0]! in HOST_KEY_ALGORITHMS ? `${parts[0]} ${parts[1]}` : key.trim();
}

/** Parses an OpenSSH public key line into its type and raw (wire-format) key, or explains why not. */
export function parseHostKey(key: string): { type: string; raw: Buffer } | string {
  const parts = typeof key === "string" ? key.trim().split(/\s+/) : [];
  const [type, b64] = parts;
  if (!type || !b64) return `expected an OpenSSH public key line like "ssh-ed25519 AAAA…"`;
  if (!(type in HOST_KEY_ALGORITHMS)) {
    return `unsupported key type ${JSON.stringify(type.slice(0, 40))} (use one of ${Object.keys(HOST_KEY_ALGORITHMS).join(", ")})`;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return "the key is not base64";
  const raw = Buffer.from(b64, "base64");
  // The wire format starts with the key type as an SSH string: it must agree with the line's type.
  const len = raw.length >= 4 ? raw.readUInt32BE(0) : -1;
  if (len !== type.length || raw.subarray(4, 4 + len).toString() !== type) {
    return `the key data does not hold a ${type} key`;
  }
  return { type, raw };
}

/** SHA256 fingerprint as `ssh-keygen -lf` and OpenSSH's prompts print it (`SHA256:…`, unpadded). */
export function fingerprint(raw: Buffer | string): string {
  let data: Buffer;
  if (typeof raw === "string") {
    const parsed = parseHostKey(raw);
    if (typeof parsed === "string") return "(invalid key)";
    data = parsed.raw;
  } else {
    data = raw;
  }
  return `SHA256:${createHash("sha256").update(data).digest("base64").replace(/=+$/, "")}`;
}

/** The host-key algorithms to offer so that the server presents a key of the pinned type. */
export function hostKeyAlgorithms(hostKey: string | undefined): string[] | undefined {
  if (!hostKey) return undefined;
  const parsed = parseHostKey(hostKey);
  return typeof parsed === "string" ? undefined : HOST_KEY_ALGORITHMS[parsed.type];
}

/** Waits (ms) before dial 2, 3, … `attempts`: exponential from `baseMs`, capped at `capMs`. */
export function backoffSchedule(attempts: number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number[] {
  const waits: number[] = [];
  for (let i = 0; i < attempts - 1; i++) waits.push(Math.min(capMs, baseMs * 2 ** i));
  return waits;
}

function known(v: unknown): boolean {
  return v !== undefined && v !== UNKNOWN;
}

/**
 * Every problem with a connection, as `[property, reason]` pairs. Reasons never contain key
 * material: a key that does not parse is reported by what is wrong, not by its text.
 * `parseKey` is ssh2's key parser (passed in, so this stays free of the client library).
 */
export function validateConnection(
  c: ConnectionInput | undefined,
  parseKey?: (key: string, passphrase?: string) => { type?: string } | Error,
  path = "connection",
): [string, string][] {
  const problems: [string, string][] = [];
  if ((c as unknown) === UNKNOWN) return []; // the whole connection is not known yet (preview)
  if (c === undefined || c === null || typeof c !== "object") return [[path, "a connection is required"]];
  if (!known(c.host) && c.host === undefined) problems.push([`${path}.host`, "host is required"]);
  else if (known(c.host) && (typeof c.host !== "string" || c.host.trim() === "" || /\s/.test(c.host))) {
    problems.push([`${path}.host`, "host must be an IP address or DNS name without spaces"]);
  }
  if (known(c.port) && !(Number.isInteger(c.port) && (c.port as number) >= 1 && (c.port as number) <= 65535)) {
    problems.push([`${path}.port`, `port must be an integer 1..65535, got ${JSON.stringify(c.port)}`]);
  }
  if (known(c.user) && (typeof c.user !== "string" || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(c.user))) {
    problems.push([`${path}.user`, "user must be a user name"]);
  }
  if (known(c.dialErrorLimit) && !(Number.isInteger(c.dialErrorLimit) && (c.dialErrorLimit as number) >= 1)) {
    problems.push([`${path}.dialErrorLimit`, "dialErrorLimit must be an integer ≥ 1"]);
  }
  if (
    known(c.perDialTimeout) &&
    !(typeof c.perDialTimeout === "number" && c.perDialTimeout > 0 && c.perDialTimeout <= 600)
  ) {
    problems.push([`${path}.perDialTimeout`, "perDialTimeout must be seconds in (0, 600]"]);
  }
  if (known(c.hostKey) && c.hostKey !== "") {
    const parsed = parseHostKey(c.hostKey as string);
    if (typeof parsed === "string") problems.push([`${path}.hostKey`, `hostKey: ${scrub(parsed)}`]);
  }
  if (known(c.privateKey) && c.privateKey !== "") {
    if (typeof c.privateKey !== "string") {
      problems.push([`${path}.privateKey`, "privateKey must be a string"]);
    } else if (parseKey && (c.privateKeyPassword === undefined || known(c.privateKeyPassword))) {
      let parsed: { type?: string } | Error;
      try {
        parsed = parseKey(c.privateKey, (c.privateKeyPassword as string | undefined) || undefined);
      } catch (e) {
        parsed = e instanceof Error ? e : new Error(String(e));
      }
      if (parsed instanceof Error) {
        const why = scrub(keyErrorText(parsed.message), [c.privateKey, c.privateKeyPassword as string]);
        problems.push([
          `${path}.privateKey`,
          `privateKey could not be read (${why}); give an OpenSSH or PEM private key, and privateKeyPassword if it is encrypted`,
        ]);
      }
    }
  }
  if (c.proxy !== undefined && c.proxy !== null && known(c.proxy)) {
    if ((c.proxy as ConnectionInput).proxy !== undefined) problems.push([`${path}.proxy.proxy`, "only one proxy hop"]);
    problems.push(...validateConnection(c.proxy, parseKey, `${path}.proxy`));
  }
  return problems;
}

/**
 * A key parser's message without the parts that may echo decoded key bytes (ssh2 appends the bytes
 * it found, e.g. "Unsupported OpenSSH key magic: <bytes>"): the text before the first colon.
 */
export function keyErrorText(message: string): string {
  const head =
    String(message)
      .replace(/^Cannot parse privateKey:\s*/, "")
      .split(":")[0] ?? "";
  const clean = head
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, 100);
  return clean || "unreadable key";
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
// A long base64 run, as in a key body pasted without its armour.
const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;

/**
 * Removes key material and the given secret values from text bound for an error or a log: PEM
 * blocks, long base64 runs, and every occurrence of each secret (and of each of its lines).
 */
export function scrub(text: string, secrets: (string | undefined)[] = []): string {
  let out = String(text);
  const needles = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < 4) continue;
    needles.add(s);
    for (const line of s.split(/\r?\n/)) if (line.trim().length >= 8) needles.add(line.trim());
  }
  for (const n of [...needles].sort((a, b) => b.length - a.length)) out = out.split(n).join("[redacted]");
  return out.replace(PEM_BLOCK, "[redacted key]").replace(BASE64_RUN, "[redacted]");
}

/** The secret strings of a connection (keys and passphrases of every hop). */
export function connectionSecrets(c: ResolvedConnection | undefined): string[] {
  if (!c) return [];
  return [c.privateKey, c.privateKeyPassword, c.proxy?.privateKey, c.proxy?.privateKeyPassword].filter(
    (s): s is string => typeof s === "string",
  );
}

/** `user@host:port` (via `proxy`), for messages. */
export function describeConnection(c: ResolvedConnection): string {
  const target = `${c.user}@${c.host}:${c.port}`;
  return c.proxy ? `${target} via ${c.proxy.user}@${c.proxy.host}:${c.proxy.port}` : target;
}

/**
 * Which connection changes make a resource a new one: only another `host` (a different machine,
 * whose state the old commands know nothing about). Port, user, keys, limits and the proxy are ways
 * to reach the same machine and are updated in place without running anything — a spurious
 * connection diff must not re-run commands (pulumi/pulumi-command#447).
 */
export function connectionReplaces(olds: ResolvedConnection, news: ResolvedConnection): boolean {
  // Not known in a preview: the real diff at update time decides (no replacement shown on a guess).
  if ((news as unknown) === UNKNOWN || !known(news.host)) return false;
  return olds.host !== news.host;
}

/** The host-key pins of an operation on an existing resource: the given key, else the recorded one. */
export function pinsOf(s: { connection: ResolvedConnection; hostKey?: string; proxyHostKey?: string }): {
  hostKey?: string;
  proxyHostKey?: string;
} {
  const pins: { hostKey?: string; proxyHostKey?: string } = {};
  const hostKey = s.connection.hostKey ?? s.hostKey;
  const proxyHostKey = s.connection.proxy?.hostKey ?? s.proxyHostKey;
  if (hostKey) pins.hostKey = hostKey;
  if (proxyHostKey) pins.proxyHostKey = proxyHostKey;
  return pins;
}

/** Dial attempts where the machine may be gone for good (a terminated machine never answers). */
export const GONE_DIAL_LIMIT = 3;

/** The connection with at most {@link GONE_DIAL_LIMIT} dials: for operations that accept a gone machine. */
export function goneDialLimit(c: ResolvedConnection): ResolvedConnection {
  return { ...c, dialErrorLimit: Math.min(c.dialErrorLimit, GONE_DIAL_LIMIT) };
}
