/**
 * The pure side of `CopyToRemote`: validating its inputs, hashing content as bytes, the plan for a
 * change (which files to rewrite), and the scripts that write and hash files on the host. A copy is
 * one file (`content` or `localPath` at `remotePath`) or a bundle (`files` under the directory
 * `remotePath`, all written over one SSH connection); both are handled as a list of entries.
 */
import {
  connectionReplaces,
  normalizeConnection,
  UNKNOWN,
  validateConnection,
  type ConnectionInput,
  type ResolvedConnection,
} from "./connection";
import { shellQuote } from "./script";

/** One file of a bundle: text `content` or the bytes of a local file, and its mode. */
export interface CopyFile {
  /** The file's text (written as UTF-8). Exactly one of `content` and `localPath`. */
  readonly content?: string;
  /** A local file copied byte for byte (read by the provider: its content never enters the state). */
  readonly localPath?: string;
  /** Octal file mode. @default "0644" */
  readonly mode?: string;
}

/** What the state keeps of one file: never its content. */
export interface FileState {
  sha256: string;
  mode: string;
  localPath?: string;
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
  /** Any change of these replaces the copy (the files are written again), e.g. the machine's identity. */
  triggers?: unknown[];
  /** A bundle: each file's hash, mode and local path, by path relative to `remotePath`. */
  files?: Record<string, FileState>;
  /** Hex SHA-256 of the content (of a bundle: of its files' paths, hashes and modes): use it as a trigger. */
  sha256: string;
  hostKey?: string;
  proxyHostKey?: string;
}

export interface CopyInputs extends Omit<CopyState, "files"> {
  content?: string;
  files?: Record<string, FileState & { content?: string }>;
}

/** One file to write: where, with which mode, from what. */
export interface CopyEntry {
  /** The key in `files`, or undefined for a single-file copy. */
  key?: string;
  path: string;
  mode: string;
  sha256: string;
  content?: string;
  localPath?: string;
}

type Failure = { property: string; reason: string };
type Hasher = (data: string | Buffer) => string;

const OCTAL_MODE = /^0?[0-7]{3}$/;

function normalMode(mode: unknown): string {
  return typeof mode === "string" && mode.length === 3 ? `0${mode}` : (mode as string);
}

/**
 * Checks one file's source and mode and hashes its bytes (from `content`, or read from `localPath`
 * as a Buffer: a binary file is copied exactly). Returns the hash, or UNKNOWN while not known.
 */
function checkSource(
  where: string,
  source: { content?: unknown; localPath?: unknown; mode?: unknown },
  readLocal: (path: string) => Buffer,
  sha256: Hasher,
  failures: Failure[],
): string {
  const hasContent = source.content !== undefined;
  const hasPath = source.localPath !== undefined;
  if (hasContent === hasPath)
    failures.push({ property: `${where}content`, reason: "give exactly one of content and localPath" });
  const mode = source.mode ?? "0644";
  if (mode !== UNKNOWN && (typeof mode !== "string" || !OCTAL_MODE.test(mode))) {
    failures.push({ property: `${where}mode`, reason: 'mode must be octal like "0644"' });
  }
  if (hasContent && hasPath) return UNKNOWN;
  if (hasContent && source.content !== UNKNOWN) {
    if (typeof source.content === "string") return sha256(source.content);
    failures.push({ property: `${where}content`, reason: "content must be a string" });
  } else if (hasPath && source.localPath !== UNKNOWN) {
    try {
      return sha256(readLocal(String(source.localPath)));
    } catch (e) {
      failures.push({
        property: `${where}localPath`,
        reason: `cannot read ${String(source.localPath)}: ${(e as Error).message}`,
      });
    }
  }
  return UNKNOWN;
}

/** A bundle's path under `remotePath`: relative, without `.`/`..` or empty segments. */
function validRelative(key: string): boolean {
  return key !== "" && !key.includes("\0") && key.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

/** The hash of a bundle: over its files' paths, hashes and modes (unknown while any hash is). */
export function bundleHash(files: Record<string, FileState>, sha256: Hasher): string {
  const rows = Object.keys(files)
    .sort()
    .map((k) => [k, files[k]!.sha256, files[k]!.mode]);
  return rows.some((r) => r[1] === UNKNOWN) ? UNKNOWN : sha256(JSON.stringify(rows));
}

/** Validates and normalises; computes the content's hash (from `content` or the local file's bytes). */
export function checkCopy(
  news: Partial<Record<keyof CopyInputs, unknown>>,
  readLocal: (path: string) => Buffer,
  sha256: Hasher,
  parseKey?: (key: string, passphrase?: string) => { type?: string } | Error,
): { inputs: CopyInputs; failures: Failure[] } {
  const failures: Failure[] = validateConnection(news.connection as ConnectionInput, parseKey).map(
    ([property, reason]) => ({ property, reason }),
  );
  const remotePath = news.remotePath;
  const bundle = news.files !== undefined;
  if (remotePath !== UNKNOWN && (typeof remotePath !== "string" || !/^\/[^\0]*[^/]$/.test(remotePath))) {
    failures.push({
      property: "remotePath",
      reason: `remotePath must be an absolute ${bundle ? "directory" : "file"} path (no trailing /)`,
    });
  }
  const inputs: CopyInputs = {
    label: typeof news.label === "string" ? news.label : "copy",
    connection: normalizeConnection(news.connection ?? {}),
    remotePath: remotePath as string,
    mode: normalMode(news.mode ?? "0644"),
    sudo: (news.sudo ?? false) as boolean,
    secret: (news.secret ?? false) as boolean,
    sha256: UNKNOWN,
  };
  if (news.triggers !== undefined && news.triggers !== UNKNOWN && !Array.isArray(news.triggers)) {
    failures.push({ property: "triggers", reason: "triggers must be a list" });
  }
  if (news.triggers !== undefined) inputs.triggers = news.triggers as unknown[];
  if (bundle) {
    if (news.content !== undefined || news.localPath !== undefined || news.mode !== undefined) {
      failures.push({ property: "files", reason: "with files, give content, localPath and mode per file" });
    }
    const files = news.files as Record<string, Partial<Record<keyof CopyFile, unknown>>> | string;
    if (files === UNKNOWN) return { inputs: { ...inputs, files: {} }, failures };
    if (typeof files !== "object" || files === null || Array.isArray(files) || Object.keys(files).length === 0) {
      failures.push({ property: "files", reason: "files must map relative paths to { content | localPath, mode }" });
      return { inputs, failures };
    }
    const checked: NonNullable<CopyInputs["files"]> = {};
    for (const [key, f] of Object.entries(files)) {
      if (!validRelative(key)) {
        failures.push({ property: `files.${key}`, reason: "a relative path without '.', '..' or empty parts" });
        continue;
      }
      if ((f as unknown) === UNKNOWN) {
        // The whole entry comes from another resource: known at the update.
        checked[key] = { sha256: UNKNOWN, mode: UNKNOWN };
        continue;
      }
      const source = f ?? {};
      const entry: FileState & { content?: string } = {
        sha256: checkSource(`files.${key}.`, source, readLocal, sha256, failures),
        mode: normalMode(source.mode ?? "0644"),
      };
      if (source.content !== undefined) entry.content = source.content as string;
      if (source.localPath !== undefined) entry.localPath = source.localPath as string;
      checked[key] = entry;
    }
    inputs.files = checked;
    inputs.sha256 = bundleHash(checked, sha256);
    return { inputs, failures };
  }
  inputs.sha256 = checkSource("", news, readLocal, sha256, failures);
  if (news.content !== undefined) inputs.content = news.content as string;
  if (news.localPath !== undefined) inputs.localPath = news.localPath as string;
  return { inputs, failures };
}

/** The files of a copy, each with its absolute path on the host. */
export function copyEntries(s: CopyInputs | CopyState): CopyEntry[] {
  if (!s.files) {
    const single: CopyEntry = { path: s.remotePath, mode: s.mode, sha256: s.sha256 };
    const content = (s as CopyInputs).content;
    if (content !== undefined) single.content = content;
    if (s.localPath !== undefined) single.localPath = s.localPath;
    return [single];
  }
  return Object.keys(s.files)
    .sort()
    .map((key) => {
      const f = s.files![key]!;
      const e: CopyEntry = { key, path: `${s.remotePath}/${key}`, mode: f.mode, sha256: f.sha256 };
      const content = (f as { content?: string }).content;
      if (content !== undefined) e.content = content;
      if (f.localPath !== undefined) e.localPath = f.localPath;
      return e;
    });
}

/** Which of the new entries must be written over the old state: new, changed content, mode or source. */
export function entriesToWrite(olds: CopyState, news: CopyInputs): CopyEntry[] {
  const all = copyEntries(news);
  if (olds.sudo !== news.sudo || Boolean(olds.files) !== Boolean(news.files)) return all;
  const before = new Map(copyEntries(olds).map((e) => [e.path, e]));
  return all.filter((e) => {
    const o = before.get(e.path);
    return !o || o.sha256 !== e.sha256 || o.mode !== e.mode || o.localPath !== e.localPath;
  });
}

/** What decides a rewrite: each file's path, mode, source and hash. */
function fileShape(s: CopyState): string {
  return JSON.stringify(copyEntries(s).map((e) => [e.path, e.mode, e.localPath ?? null, e.sha256]));
}

/** Replaces: another `remotePath`, `host` or `triggers`. A new content or mode is rewritten in place (atomically). */
export function diffCopy(olds: CopyState, news: CopyState): { changes: boolean; replaces: string[] } {
  const replaces: string[] = [];
  if (olds.remotePath !== news.remotePath) replaces.push("remotePath");
  if (JSON.stringify(olds.triggers ?? null) !== JSON.stringify(news.triggers ?? null)) replaces.push("triggers");
  if (connectionReplaces(olds.connection, news.connection)) replaces.push("connection");
  const changes =
    replaces.length > 0 ||
    fileShape(olds) !== fileShape(news) ||
    olds.sudo !== news.sudo ||
    olds.secret !== news.secret ||
    JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
  return { changes, replaces };
}

/** The state of a written copy: the inputs without any content, with the hashes of the files as written. */
export function copyState(inputs: CopyInputs, written: ReadonlyMap<string, string>, sha256: Hasher): CopyState {
  const rest: CopyState & { content?: string } = { ...inputs, files: undefined };
  delete rest.content;
  delete rest.files;
  if (!inputs.files) return { ...rest, sha256: written.get(inputs.remotePath) ?? inputs.sha256 };
  const files: Record<string, FileState> = {};
  for (const e of copyEntries(inputs)) {
    const f: FileState = { sha256: written.get(e.path) ?? e.sha256, mode: e.mode };
    if (e.localPath !== undefined) f.localPath = e.localPath;
    files[e.key!] = f;
  }
  return { ...rest, files, sha256: bundleHash(files, sha256) };
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

/** The command printing each file's SHA-256 on its own line (an empty line when it does not exist). */
export function hashScript(paths: string | readonly string[], sudo: boolean): string {
  const list = (typeof paths === "string" ? [paths] : paths).map(shellQuote).join(" ");
  const body = `for f in ${list}; do if [ -f "$f" ]; then sha256sum "$f" | cut -d' ' -f1; else echo; fi; done`;
  return sudo ? `sudo -n sh -c ${shellQuote(body)}` : body;
}
