import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { utils } from "ssh2";
import { afterAll, describe, expect, it } from "vitest";

import {
  backoffSchedule,
  checkCommand,
  checkCopy,
  commandEnvironment,
  diffCommand,
  diffCopy,
  entriesToWrite,
  fingerprint,
  hashScript,
  hostKeyAlgorithms,
  keyErrorText,
  normalizeConnection,
  parseHostKey,
  scrub,
  UNKNOWN,
  updateRuns,
  validateConnection,
  writeScript,
  type CommandState,
  type CopyState,
} from "../../components/remote";
import {
  commandFailure,
  execLine,
  renderScript,
  shellQuote,
  splitPidMarker,
  tail,
  trimOutput,
} from "../../components/remote/script";

const parseKey = (key: string, passphrase?: string) => utils.parseKey(key, passphrase) as { type?: string } | Error;
const keys = utils.generateKeyPairSync("ed25519");
const dir = mkdtempSync(join(tmpdir(), "remote-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A host key pair made by ssh-keygen, with its fingerprint as ssh-keygen prints it. */
function sshKeygen(): { line: string; printed: string } {
  const file = join(dir, `k${Math.random().toString(16).slice(2)}`);
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { encoding: "utf8" });
  const line = readFileSync(`${file}.pub`, "utf8").trim();
  const printed = spawnSync("ssh-keygen", ["-lf", `${file}.pub`], { encoding: "utf8" }).stdout.split(" ")[1]!;
  return { line, printed };
}

describe("connection", () => {
  it("applies upstream's defaults and keeps the proxy", () => {
    expect(normalizeConnection({ host: "10.0.0.1", proxy: { host: "bastion", port: 2222 } })).toEqual({
      host: "10.0.0.1",
      port: 22,
      user: "root",
      dialErrorLimit: 10,
      perDialTimeout: 15,
      proxy: { host: "bastion", port: 2222, user: "root", dialErrorLimit: 10, perDialTimeout: 15 },
    });
  });

  it("reports every problem with its property", () => {
    const problems = validateConnection(
      {
        port: 70000,
        user: "bad user",
        dialErrorLimit: 0,
        perDialTimeout: -1,
        hostKey: "ssh-ed25519 not*base64",
        proxy: { host: "", proxy: { host: "x" } },
      },
      parseKey,
    );
    expect(problems.map(([p]) => p)).toEqual([
      "connection.host",
      "connection.port",
      "connection.user",
      "connection.dialErrorLimit",
      "connection.perDialTimeout",
      "connection.hostKey",
      "connection.proxy.proxy",
      "connection.proxy.host",
    ]);
    expect(validateConnection(undefined)).toEqual([["connection", "a connection is required"]]);
    expect(validateConnection({ host: "h", port: "22" })[0]![1]).toContain("integer 1..65535");
  });

  it("accepts a good connection and values unknown during preview", () => {
    expect(validateConnection({ host: "h", privateKey: keys.private, hostKey: sshKeygen().line }, parseKey)).toEqual(
      [],
    );
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(validateConnection({ host: unknown, privateKey: unknown, port: unknown }, parseKey)).toEqual([]);
  });

  it("checks a host key's type and data", () => {
    const { line } = sshKeygen();
    const rsaData = line.split(" ")[1];
    expect(parseHostKey("ssh-rsa " + rsaData)).toBe("the key data does not hold a ssh-rsa key");
    expect(parseHostKey("ssh-dss AAAA")).toMatch(/unsupported key type "ssh-dss"/);
    expect(parseHostKey("AAAA")).toMatch(/OpenSSH public key line/);
    expect(typeof parseHostKey(`${line}`)).toBe("object");
    expect(hostKeyAlgorithms(line)).toEqual(["ssh-ed25519"]);
  });

  it("prints fingerprints exactly like ssh-keygen -lf", () => {
    for (let i = 0; i < 3; i++) {
      const { line, printed } = sshKeygen();
      expect(printed).toMatch(/^SHA256:/);
      expect(fingerprint(line)).toBe(printed);
    }
    expect(fingerprint("garbage")).toBe("(invalid key)");
  });

  it("never echoes a malformed private key, even the bytes ssh2 decodes from it", () => {
    const body = "AAAABBBBCCCCsecretmaterialxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const malformed = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const raw = parseKey(malformed);
    expect(raw).toBeInstanceOf(Error);
    // ssh2's own message carries decoded key bytes: the reason for keyErrorText.
    expect((raw as Error).message).toMatch(/^Unsupported OpenSSH key magic: ./);
    const problems = validateConnection({ host: "h", privateKey: malformed }, parseKey);
    expect(problems).toHaveLength(1);
    const reason = problems[0]![1];
    expect(reason).toContain("Unsupported OpenSSH key magic");
    expect(reason).not.toContain("secretmaterial");
    expect(reason).not.toContain((raw as Error).message.split(": ")[1]!);
    // A key pasted without its armour.
    const bare = validateConnection({ host: "h", privateKey: body }, parseKey)[0]![1];
    expect(bare).not.toContain("secretmaterial");
    expect(keyErrorText("Cannot parse privateKey: Unsupported OpenSSH key magic: \u0001\u0002xyz")).toBe(
      "Unsupported OpenSSH key magic",
    );
  });

  it("refuses a wrong passphrase without echoing it", () => {
    const encrypted = utils.generateKeyPairSync("ed25519", {
      passphrase: "correct horse",
      cipher: "aes256-cbc",
      rounds: 4,
    });
    expect(
      validateConnection({ host: "h", privateKey: encrypted.private, privateKeyPassword: "correct horse" }, parseKey),
    ).toEqual([]);
    const [[, reason]] = validateConnection(
      { host: "h", privateKey: encrypted.private, privateKeyPassword: "wrong battery" },
      parseKey,
    ) as [[string, string]];
    expect(reason).toMatch(/privateKey could not be read/);
    expect(reason).not.toContain("wrong battery");
  });

  it("scrubs key material and secret values", () => {
    const text = `failed: ${keys.private} and token s3cr3t-value-123 in line`;
    const out = scrub(text, ["s3cr3t-value-123"]);
    expect(out).not.toContain("PRIVATE KEY");
    expect(out).not.toContain(keys.private.split("\n")[1]!);
    expect(out).not.toContain("s3cr3t-value-123");
    expect(out).toContain("failed:");
  });

  it("backs off exponentially with a cap, bounded by the attempts", () => {
    expect(backoffSchedule(10)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000]);
    expect(backoffSchedule(1)).toEqual([]);
    expect(backoffSchedule(4, 200, 500)).toEqual([200, 400, 500]);
    // The default budget lets a booting machine come up: ~90 s of waits plus 10 dials of up to 15 s.
    expect(backoffSchedule(10).reduce((a, b) => a + b, 0)).toBe(90_000);
  });
});

describe("script", () => {
  const sh = (script: string, input = ""): { stdout: string; stderr: string; status: number | null } =>
    spawnSync("sh", ["-c", script], { input, encoding: "utf8" });

  it("quotes any value for sh", () => {
    for (const v of [`it's`, `"$HOME" \`id\` $(id) \\ \n x`, "", "'''", "a'b'c"]) {
      expect(sh(`printf %s ${shellQuote(v)}`).stdout).toBe(v);
    }
  });

  it("exports the environment in the script and leaves stdin to the command", () => {
    const env = { B: `tricky 'one' "$HOME" $(echo no)`, A: "x\ny" };
    const script = renderScript('printf "%s|%s|%s" "$A" "$B" "$(cat)"', env);
    expect(script.indexOf("export A=")).toBeLessThan(script.indexOf("export B="));
    const r = sh(execLine(script), script + "the stdin");
    expect(r.stdout).toBe(`x\ny|${env.B}|the stdin`);
    expect(splitPidMarker(r.stderr).pid).toBeGreaterThan(1);
    expect(splitPidMarker(r.stderr).stderr).toBe("");
    // The values travel on stdin only: the exec line has no value in it.
    expect(execLine(script)).toBe(`eval "$(dd bs=1 count=${Buffer.byteLength(script)} 2>/dev/null)"`);
    expect(() => renderScript("true", { "BAD-NAME": "x" })).toThrow(/not valid/);
  });

  it("keeps the command's exit code", () => {
    const script = renderScript("echo oops >&2; exit 7");
    const r = sh(execLine(script), script);
    expect(r.status).toBe(7);
    expect(splitPidMarker(r.stderr).stderr).toBe("oops\n");
  });

  it("explains a failure with the exit code and the tail of stderr, unless secret", () => {
    const stderr = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const r = { code: 2, stdout: "top secret", stderr, timedOut: false };
    const shown = commandFailure("X: create", r, { secret: false, logging: "stdoutAndStderr", timeout: 600 });
    expect(shown).toMatch(/^X: create exited with code 2; stderr \(last lines\):\nline 20\n/);
    expect(shown).toContain("line 39");
    expect(shown).not.toContain("line 19\n");
    const hidden = commandFailure("X: create", r, { secret: true, logging: "stdoutAndStderr", timeout: 600 });
    expect(hidden).toBe("X: create exited with code 2 (output is secret and not shown)");
    expect(commandFailure("X", r, { secret: false, logging: "none", timeout: 1 })).not.toContain("line");
    expect(
      commandFailure("X", { ...r, code: null, timedOut: true }, { secret: false, logging: "none", timeout: 5 }),
    ).toMatch(/timed out after 5s/);
    expect(trimOutput("a\n\n")).toBe("a\n");
    expect(tail("x".repeat(5000), 20, 100)).toHaveLength(101);
  });
});

describe("RemoteCommand plan", () => {
  const base = (over: Partial<CommandState> = {}): CommandState => ({
    ...checkCommand({ label: "c", connection: { host: "10.0.0.1", privateKey: keys.private }, create: "install" })
      .inputs,
    ...over,
  });

  it("validates early: no command, bad logging, timeout, environment names", () => {
    const { failures } = checkCommand(
      {
        connection: { port: 0 },
        logging: "all",
        timeout: 0,
        environment: { "NOT-OK": "x", OK: 3 },
        triggers: "x",
      },
      parseKey,
    );
    expect(failures.map((f) => f.property)).toEqual([
      "connection.host",
      "connection.port",
      "create",
      "logging",
      "timeout",
      "triggers",
      "environment.NOT-OK",
      "environment.OK",
    ]);
    expect(JSON.stringify(failures)).not.toContain('"x"');
  });

  it("applies defaults", () => {
    expect(base()).toMatchObject({
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: true,
      timeout: 600,
      secret: false,
    });
  });

  it("replaces on create, triggers and host; updates in place otherwise", () => {
    expect(diffCommand(base(), base())).toEqual({ changes: false, replaces: [] });
    expect(diffCommand(base(), base({ create: "install v2" })).replaces).toEqual(["create"]);
    expect(diffCommand(base({ triggers: ["a"] }), base({ triggers: ["b"] })).replaces).toEqual(["triggers"]);
    const moved = base({ connection: { ...base().connection, host: "10.0.0.2" } });
    expect(diffCommand(base(), moved).replaces).toEqual(["connection"]);
    // Another way to reach the same machine: recorded, nothing re-runs.
    for (const c of [{ port: 2222 }, { user: "ubuntu" }, { dialErrorLimit: 3 }, { privateKey: "other" }]) {
      const d = diffCommand(base(), base({ connection: { ...base().connection, ...c } }));
      expect(d).toEqual({ changes: true, replaces: [] });
    }
    expect(diffCommand(base(), base({ delete: "uninstall" }))).toEqual({ changes: true, replaces: [] });
  });

  it("does not guess a replacement from a connection unknown in preview", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const { inputs, failures } = checkCommand({ label: "c", connection: unknown, create: "install" }, parseKey);
    expect(failures).toEqual([]);
    expect(diffCommand(base(), inputs)).toEqual({ changes: true, replaces: [] });
    const hostUnknown = checkCommand({ label: "c", connection: { host: unknown }, create: "install" }).inputs;
    expect(diffCommand(base(), hostUnknown).replaces).toEqual([]);
  });

  it("does not see a change where only defaults were spelled out (pulumi-command#447)", () => {
    const explicit = checkCommand({
      label: "c",
      connection: { host: "10.0.0.1", privateKey: keys.private, port: 22, user: "root", perDialTimeout: 15 },
      create: "install",
      logging: "stdoutAndStderr",
      timeout: 600,
    }).inputs;
    expect(diffCommand(base(), explicit)).toEqual({ changes: false, replaces: [] });
  });

  it("runs update for environment and stdin when given, else replaces", () => {
    const withUpdate = base({ update: "reconfigure", environment: { A: "1" } });
    const changed = { ...withUpdate, environment: { A: "2" } };
    expect(diffCommand(withUpdate, changed)).toEqual({ changes: true, replaces: [] });
    expect(updateRuns(withUpdate, changed)).toBe(true);
    expect(updateRuns(withUpdate, { ...withUpdate, timeout: 5 })).toBe(false);
    expect(diffCommand(base({ stdin: "a" }), base({ stdin: "b" })).replaces).toEqual(["stdin"]);
    expect(diffCommand(base({ environment: { A: "1" } }), base({ environment: { A: "2" } })).replaces).toEqual([
      "environment",
    ]);
  });

  it("hands the previous output to update and delete", () => {
    const prev = base({ stdout: "old out", stderr: "old err" });
    expect(commandEnvironment(base({ environment: { A: "1" } }), prev)).toEqual({
      A: "1",
      PULUMI_COMMAND_STDOUT: "old out",
      PULUMI_COMMAND_STDERR: "old err",
    });
    expect(commandEnvironment(base({ addPreviousOutputInEnv: false }), prev)).toEqual({});
  });
});

describe("CopyToRemote plan", () => {
  const sha = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");
  const check = (news: Record<string, unknown>) =>
    checkCopy(
      { label: "f", connection: { host: "h" }, remotePath: "/etc/x.conf", ...news },
      (p) => readFileSync(p),
      sha,
    );
  /** Every byte value, then sequences that are not UTF-8 (a lone continuation byte, a truncated sequence, an overlong NUL). */
  const binary = Buffer.concat([
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from([0x80, 0xe2, 0x82, 0xc0, 0x80, 0xff, 0xfe]),
  ]);

  it("hashes content or a local file, and validates", () => {
    expect(check({ content: "hello" }).inputs.sha256).toBe(sha("hello"));
    const file = join(dir, "local.txt");
    writeFileSync(file, "from disk");
    expect(check({ localPath: file }).inputs).toMatchObject({ sha256: sha("from disk"), mode: "0644" });
    expect(check({ content: "x", mode: "755" }).inputs.mode).toBe("0755");
    const bad = check({ content: "x", localPath: file, remotePath: "relative/", mode: "999" }).failures;
    expect(bad.map((f) => f.property)).toEqual(["remotePath", "content", "mode"]);
    expect(check({ localPath: join(dir, "missing") }).failures[0]!.property).toBe("localPath");
  });

  it("hashes a local file's bytes, not its text (a binary file's hash is its own)", () => {
    const file = join(dir, "binary");
    writeFileSync(file, binary);
    const hash = check({ localPath: file }).inputs.sha256;
    expect(hash).toBe(sha(binary));
    // Read as UTF-8 text, the invalid sequences would become U+FFFD and the hash another one.
    expect(hash).not.toBe(sha(readFileSync(file, "utf8")));
  });

  it("checks a bundle: per-file sources and modes, relative paths, one hash over all", () => {
    const file = join(dir, "bundled-binary");
    writeFileSync(file, binary);
    const files = { "a.sh": { content: "echo a\n", mode: "755" }, "release/k3s": { localPath: file, mode: "0755" } };
    const r = check({ files, remotePath: "/var/lib/stage" });
    expect(r.failures).toEqual([]);
    expect(r.inputs.files).toEqual({
      "a.sh": { content: "echo a\n", mode: "0755", sha256: sha("echo a\n") },
      "release/k3s": { localPath: file, mode: "0755", sha256: sha(binary) },
    });
    expect(r.inputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Another mode or content of one file is another bundle hash.
    const other = check({
      files: { ...files, "a.sh": { content: "echo a\n", mode: "0700" } },
      remotePath: "/var/lib/stage",
    });
    expect(other.inputs.sha256).not.toBe(r.inputs.sha256);
    const bad = check({
      files: {
        "../x": { content: "x" },
        "/abs": { content: "x" },
        ok: { content: "x", localPath: file },
        m: { content: "x", mode: "9" },
      },
      remotePath: "/var/lib/stage",
      mode: "0600",
    }).failures;
    expect(bad.map((f) => f.property)).toEqual([
      "files",
      "files.../x",
      "files./abs",
      "files.ok.content",
      "files.m.mode",
    ]);
    expect(check({ files: {}, remotePath: "/d" }).failures.map((f) => f.property)).toEqual(["files"]);
  });

  it("rewrites only the files of a bundle that changed", () => {
    const at = (files: Record<string, unknown>) => check({ files, remotePath: "/s" }).inputs;
    const old = at({ a: { content: "1" }, b: { content: "2" }, c: { content: "3", mode: "0600" } }) as CopyState;
    const paths = (files: Record<string, unknown>) => entriesToWrite(old, at(files)).map((e) => e.path);
    expect(paths({ a: { content: "1" }, b: { content: "2" }, c: { content: "3", mode: "0600" } })).toEqual([]);
    expect(paths({ a: { content: "1" }, b: { content: "two" }, c: { content: "3" } })).toEqual(["/s/b", "/s/c"]);
    expect(
      paths({ a: { content: "1" }, b: { content: "2" }, c: { content: "3", mode: "0600" }, d: { content: "4" } }),
    ).toEqual(["/s/d"]);
    expect(diffCopy(old, at({ a: { content: "1" }, b: { content: "2" }, c: { content: "3", mode: "0600" } }))).toEqual({
      changes: false,
      replaces: [],
    });
    expect(diffCopy(old, at({ a: { content: "1" }, b: { content: "2" } })).changes).toBe(true);
    expect(entriesToWrite(old, { ...at({ a: { content: "1" } }), sudo: true }).map((e) => e.path)).toEqual(["/s/a"]);
  });

  it("rewrites in place on new content or mode, replaces on another path or host", () => {
    const a = check({ content: "one" }).inputs as CopyState;
    expect(diffCopy(a, check({ content: "one" }).inputs)).toEqual({ changes: false, replaces: [] });
    expect(diffCopy(a, check({ content: "two" }).inputs)).toEqual({ changes: true, replaces: [] });
    expect(diffCopy(a, check({ content: "one", mode: "0600" }).inputs)).toEqual({ changes: true, replaces: [] });
    expect(diffCopy(a, check({ content: "one", remotePath: "/etc/y" }).inputs).replaces).toEqual(["remotePath"]);
  });

  it("writes atomically with the mode and prints the hash (run here with sh)", () => {
    const target = join(dir, "sub dir", "it's.conf");
    const r = spawnSync("sh", ["-c", writeScript(target, "0640", false)], { input: "content\n", encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(sha("content\n"));
    expect(readFileSync(target, "utf8")).toBe("content\n");
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(spawnSync("ls", ["-A", join(dir, "sub dir")], { encoding: "utf8" }).stdout.trim()).toBe("it's.conf");
  });

  it("writes bytes unchanged and hashes several files, an empty line for a missing one (run here with sh)", () => {
    const target = join(dir, "bin", "k3s");
    const r = spawnSync("sh", ["-c", writeScript(target, "0755", false)], { input: binary });
    expect(r.status).toBe(0);
    expect(r.stdout.toString().trim()).toBe(sha(binary));
    expect(readFileSync(target).equals(binary)).toBe(true);
    const h = spawnSync("sh", ["-c", hashScript([target, join(dir, "nothing"), target], false)], { encoding: "utf8" });
    expect(h.stdout).toBe(`${sha(binary)}\n\n${sha(binary)}\n`);
  });
});

describe("disposable machines: whenGone and copy triggers", () => {
  const command = (over: Record<string, unknown> = {}) =>
    checkCommand({ label: "c", connection: { host: "10.0.0.1" }, delete: "uninstall", ...over });

  it("whenGone is fail or skip; a change of it alone runs nothing and replaces nothing", () => {
    expect(command({ whenGone: "maybe" }).failures).toEqual([
      { property: "whenGone", reason: 'whenGone must be "fail" or "skip"' },
    ]);
    expect(command().inputs.whenGone).toBeUndefined();
    const skip = command({ whenGone: "skip" }).inputs;
    expect(skip.whenGone).toBe("skip");
    expect(diffCommand(command().inputs, skip)).toEqual({ changes: true, replaces: [] });
    expect(updateRuns(command().inputs, skip)).toBe(false);
  });

  it("a copy's triggers replace it (the file is written again on a new machine)", () => {
    const copy = (triggers?: unknown[]) =>
      checkCopy(
        {
          label: "f",
          connection: { host: "h" },
          remotePath: "/etc/x",
          content: "x",
          ...(triggers ? { triggers } : {}),
        },
        () => Buffer.alloc(0),
        (s) => String(s),
      );
    expect(diffCopy(copy(["i-1"]).inputs, copy(["i-1"]).inputs)).toEqual({ changes: false, replaces: [] });
    expect(diffCopy(copy(["i-1"]).inputs, copy(["i-2"]).inputs).replaces).toEqual(["triggers"]);
    expect(diffCopy(copy().inputs, copy().inputs).replaces).toEqual([]);
    expect(copy("i-1" as unknown as unknown[]).failures.map((f) => f.property)).toEqual(["triggers"]);
  });

  it("a bundle file from another resource (a launched machine's config) is unknown at preview, not an error", () => {
    const bundle = (files: Record<string, unknown>) =>
      checkCopy(
        { label: "f", connection: { host: "h" }, remotePath: "/stage", files },
        () => Buffer.alloc(0),
        (s) => String(s),
      );
    const whole = bundle({ "config.yaml": UNKNOWN, "k3s-version": { content: "v1\n", mode: "0600" } });
    expect(whole.failures).toEqual([]);
    expect(whole.inputs.sha256).toBe(UNKNOWN);
    const content = bundle({ "config.yaml": { content: UNKNOWN, mode: "0600" } });
    expect(content.failures).toEqual([]);
    expect(content.inputs.files?.["config.yaml"]).toMatchObject({ sha256: UNKNOWN, mode: "0600" });
  });
});
