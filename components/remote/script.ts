/**
 * Pure pieces of running a command over SSH: the script sent on the channel's stdin (environment
 * exports plus the command, so nothing depends on sshd's `AcceptEnv` and no value shows in the
 * remote process list), the exec line that reads it, and the texts of results and errors.
 */

/** Which of a command's streams may appear in messages (upstream's `logging`). */
export type Logging = "stdout" | "stderr" | "stdoutAndStderr" | "none";
export const LOGGING_VALUES: readonly Logging[] = ["stdout", "stderr", "stdoutAndStderr", "none"];

/** Marker line the script writes first on stderr: the remote shell's PID (for killing on timeout). */
export const PID_MARKER = "__sophia_remote_pid=";

/** Most bytes of stdout/stderr kept (state and messages stay small). */
export const OUTPUT_LIMIT = 1024 * 1024;

/** Quotes a value for POSIX sh: single quotes, with each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The script the remote login shell evaluates: the PID marker, one `export` per variable (sorted,
 * so the same inputs give the same script), then the command.
 */
export function renderScript(command: string, environment: Record<string, string> = {}): string {
  const lines = [`printf '${PID_MARKER}%s\\n' "$$" >&2`];
  for (const key of Object.keys(environment).sort()) {
    if (!ENV_NAME.test(key)) throw new Error(`environment variable name ${JSON.stringify(key)} is not valid`);
    lines.push(`export ${key}=${shellQuote(environment[key]!)}`);
  }
  lines.push(command, "");
  return lines.join("\n");
}

/**
 * The exec request: read exactly the script's bytes from stdin (`dd bs=1` never reads past them, so
 * the caller's `stdin` follows for the command) and evaluate them in the login shell.
 */
export function execLine(script: string): string {
  return `eval "$(dd bs=1 count=${Buffer.byteLength(script)} 2>/dev/null)"`;
}

/** Splits the PID marker off stderr. */
export function splitPidMarker(stderr: string): { pid?: number; stderr: string } {
  if (!stderr.startsWith(PID_MARKER)) return { stderr };
  const end = stderr.indexOf("\n");
  const pid = Number(stderr.slice(PID_MARKER.length, end < 0 ? undefined : end));
  return { pid: Number.isInteger(pid) && pid > 1 ? pid : undefined, stderr: end < 0 ? "" : stderr.slice(end + 1) };
}

/** Output as stored: one trailing newline removed (like upstream). */
export function trimOutput(s: string): string {
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/** The last `lines` lines of a text, at most `chars` characters. */
export function tail(text: string, lines = 20, chars = 2000): string {
  const t = text.replace(/\s+$/, "");
  const kept = t.split("\n").slice(-lines).join("\n");
  return kept.length > chars ? `…${kept.slice(-chars)}` : kept;
}

export interface CommandResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * The error for a failed command: resource, operation, host, exit code or timeout, and the tail of
 * stderr unless the command is secret or its logging excludes stderr.
 */
export function commandFailure(
  what: string,
  r: CommandResult,
  opts: { secret: boolean; logging: Logging; timeout: number },
): string {
  const status = r.timedOut
    ? `timed out after ${opts.timeout}s (killed)`
    : r.code !== null
      ? `exited with code ${r.code}`
      : `was killed by signal ${r.signal ?? "unknown"}`;
  let detail = "";
  if (opts.secret) detail = " (output is secret and not shown)";
  else if (opts.logging === "stderr" || opts.logging === "stdoutAndStderr") {
    const t = tail(r.stderr);
    detail = t ? `; stderr (last lines):\n${t}` : "; stderr was empty";
  } else {
    detail = ` (stderr not shown: logging is ${opts.logging})`;
  }
  return `${what} ${status}${detail}`;
}
