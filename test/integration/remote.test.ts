/**
 * RemoteCommand and CopyToRemote through the real engine against real sshd: three test hosts on
 * this machine (test/harness/hosts.ts), each in its own namespaces with its own host key. Steps run
 * in order on one stack; every engine run's output is kept and searched for secrets at the end.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fingerprint } from "../../components/remote/connection";
import { startHosts, type TestHost, type TestHosts } from "../harness/hosts";
import { PulumiWorkspace, toolchainEnv, type RunResult } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

const fixture = join(repoRoot, "test", "fixtures", "remote-program");
const SECRET = "sup3r-s3cret-value-4711";
/** A marker no state or output may contain, every byte value, and sequences that are not UTF-8. */
const BINARY = Buffer.concat([
  Buffer.from("BINARY-MARKER-5c1d9e\0"),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0x80, 0xbf, 0xe2, 0x82, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0xf8, 0x88]),
]);
const BAD_KEY_BODY = "AAAABBBBCCCCsecretmaterialxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

let run: TestHosts;
let a: TestHost;
let b: TestHost;
let c: TestHost;
let ws: PulumiWorkspace;
const transcript: RunResult[] = [];

type Entry = Record<string, unknown>;
let commands: Record<string, Entry> = {};
let copies: Record<string, Entry> = {};

function configure(): void {
  ws.must(["config", "set", "commands", JSON.stringify(Object.entries(commands).map(([name, e]) => ({ name, ...e })))]);
  ws.must(["config", "set", "copies", JSON.stringify(Object.entries(copies).map(([name, e]) => ({ name, ...e })))]);
}

async function up(...extra: string[]): Promise<RunResult> {
  configure();
  // --diff: the detailed diffs are part of what is searched for secrets.
  const r = await ws.run(["up", "--yes", "--skip-preview", "--suppress-progress", "--diff", ...extra]);
  transcript.push(r);
  return r;
}

const text = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;
const log = async (h: TestHost, file: string): Promise<string> => readFile(h.path(file), "utf8").catch(() => "");

async function outputs(): Promise<{
  stdout: Record<string, string>;
  hostKeys: Record<string, string>;
  sha256: Record<string, string>;
}> {
  const r = await ws.run(["stack", "output", "--json"]);
  transcript.push(r);
  return JSON.parse(r.stdout) as never;
}

/** Seconds in "… after N attempts over S s …" of the error naming `resource`. */
function dialSeconds(output: string, resource: string): number {
  const m = new RegExp(
    `RemoteCommand ${resource}: could not connect to .*? after (\\d+) attempts over ([\\d.]+)s`,
  ).exec(output);
  if (!m) throw new Error(`no dial error for ${resource} in:\n${output}`);
  return Number(m[2]);
}

beforeAll(async () => {
  run = await startHosts({ count: 3, names: ["node-a", "node-b", "node-c"] });
  [a, b, c] = run.hosts as [TestHost, TestHost, TestHost];
  ws = new PulumiWorkspace(toolchainEnv(), { passphrase: "remote-test", projectSource: fixture });
  ws.must(["stack", "init", "test", "--secrets-provider", "passphrase"]);
  ws.must(["config", "set", "hosts", JSON.stringify({ a: a.address, b: b.address, c: c.address })]);
  // `config set` would read a value starting with "-----" as a flag.
  ws.must([
    "config",
    "set-all",
    "--secret",
    `privateKey=${run.privateKey}`,
    "--secret",
    `secretValue=${SECRET}`,
    "--secret",
    `badKey=-----BEGIN OPENSSH PRIVATE KEY-----\n${BAD_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`,
  ]);
});

afterAll(async () => {
  ws?.cleanup();
  await run?.stop();
  // The harness left nothing behind: no namespace, no interface, no sshd of this run.
  if (run) {
    const namespaces = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    for (const h of run.hosts) expect(namespaces).not.toContain(h.netns);
    expect(spawnSync("ip", ["-o", "addr"], { encoding: "utf8" }).stdout).not.toContain(run.gateway + "/");
    expect(spawnSync("pgrep", ["-f", join(run.dir, "node-")], { encoding: "utf8" }).stdout).toBe("");
  }
});

describe("RemoteCommand and CopyToRemote against real sshd", () => {
  it("creates: commands run with environment and stdin, files land with their mode, a bastion hop works", async () => {
    commands = {
      m: {
        host: "a",
        create: 'echo create >> /etc/rancher/log; echo "$GREETING|$(cat)"',
        update: 'echo "update $GREETING" >> /etc/rancher/log; echo "prev=$PULUMI_COMMAND_STDOUT"',
        delete: "echo delete >> /etc/rancher/log",
        environment: { GREETING: "hello 'world' $HOME" },
        stdin: "from stdin",
        triggers: ["1"],
      },
      s: {
        host: "b",
        create: 'echo "$TOKEN-out"; echo "$TOKEN-err" >&2',
        update: "echo updated >> /etc/rancher/s.log",
        environment: { TOKEN: "@secret", ROUND: "1" },
        secret: true,
      },
      hop: { host: "c", proxy: "a", create: 'echo hop >> /etc/rancher/hop.log; echo "$SSH_CLIENT"' },
    };
    copies = {
      conf: { host: "a", content: "token: abc\n", remotePath: "/etc/rancher/k3s/config.yaml", mode: "0600" },
      secretfile: { host: "b", content: "@secret", remotePath: "/etc/rancher/secret", mode: "0400", secret: true },
    };
    const r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 6 created/);
    expect(await log(a, "/etc/rancher/log")).toBe("create\n");
    const out = await outputs();
    expect(out.stdout["m"]).toBe("hello 'world' $HOME|from stdin");
    expect(out.stdout["s"]).toBe("[secret]");
    // The hop reached node-c from node-a's address, not from the machine's.
    expect(out.stdout["hop"]).toMatch(new RegExp(`^${a.address.replace(/\./g, "\\.")} \\d+ 22$`));
    expect(out.hostKeys).toMatchObject({ m: a.hostKey, s: b.hostKey, hop: c.hostKey, conf: a.hostKey });
    expect(await readFile(a.path("/etc/rancher/k3s/config.yaml"), "utf8")).toBe("token: abc\n");
    expect(statSync(a.path("/etc/rancher/k3s/config.yaml")).mode & 0o777).toBe(0o600);
    expect(await readFile(b.path("/etc/rancher/secret"), "utf8")).toBe(SECRET);
    expect(statSync(b.path("/etc/rancher/secret")).mode & 0o777).toBe(0o400);
    expect(out.sha256["secretfile"]).toBe("[secret]");
    const state = await ws.run(["stack", "export"]);
    transcript.push(state);
    expect(state.stdout).toContain("ciphertext"); // the secrets are there, encrypted
  });

  it("a second up changes nothing and runs nothing", async () => {
    const r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/Resources:\s+6 unchanged\s/);
    expect(await log(a, "/etc/rancher/log")).toBe("create\n");
  });

  it("refresh sees a file changed on the host, and the next up writes it back", async () => {
    const file = a.path("/etc/rancher/k3s/config.yaml");
    await a.exec("echo tampered > /etc/rancher/k3s/config.yaml");
    expect(await readFile(file, "utf8")).toBe("tampered\n");
    const r = await up("--refresh");
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/~ 1 updated/);
    expect(await readFile(file, "utf8")).toBe("token: abc\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await log(a, "/etc/rancher/log")).toBe("create\n");
  });

  it("runs update on an environment change (with the previous output), replaces on triggers, rewrites a changed file", async () => {
    commands["m"] = { ...commands["m"], environment: { GREETING: "second" } };
    // Another way to reach the same machine: recorded, nothing re-runs.
    commands["hop"] = { ...commands["hop"], dialErrorLimit: 4, perDialTimeout: 10 };
    const before = (await outputs()).sha256["conf"];
    copies["conf"] = { ...copies["conf"], content: "token: def\n" };
    let r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/~ 3 updated/);
    expect(await log(a, "/etc/rancher/log")).toBe("create\nupdate second\n");
    expect(await log(c, "/etc/rancher/hop.log")).toBe("hop\n");
    let out = await outputs();
    expect(out.stdout["m"]).toBe("prev=hello 'world' $HOME|from stdin");
    expect(await readFile(a.path("/etc/rancher/k3s/config.yaml"), "utf8")).toBe("token: def\n");
    expect(statSync(a.path("/etc/rancher/k3s/config.yaml")).mode & 0o777).toBe(0o600);
    expect(out.sha256["conf"]).toMatch(/^[0-9a-f]{64}$/);
    expect(out.sha256["conf"]).not.toBe(before);

    commands["m"] = { ...commands["m"], triggers: ["2"] };
    r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+-\s*1 replaced/);
    // The old resource's delete ran before the new one's create.
    expect(await log(a, "/etc/rancher/log")).toBe("create\nupdate second\ndelete\ncreate\n");
    out = await outputs();
    expect(out.stdout["m"]).toBe("second|from stdin");
  });

  it("a malformed private key is refused by check, before any connection, without a byte of it", async () => {
    commands["badkey"] = { host: "a", badKey: true, create: "true" };
    try {
      configure();
      const r = await ws.run(["preview", "--diff", "--suppress-progress"]);
      transcript.push(r);
      const t = text(r);
      expect(r.code).not.toBe(0);
      expect(t).toMatch(
        /RemoteCommand resource 'badkey': property connection\.privateKey .*privateKey could not be read \(Unsupported OpenSSH key magic\)/,
      );
      expect(t).not.toContain("secretmaterial");
    } finally {
      delete commands["badkey"];
    }
  });

  it("a failing command shows its exit code and stderr tail; a timeout kills it; a secret one shows neither", async () => {
    commands["fail"] = { host: "a", create: 'echo first-line >&2; echo "the real reason" >&2; exit 3' };
    commands["slow"] = { host: "a", create: "sleep 77; echo never", timeout: 2 };
    commands["sfail"] = {
      host: "b",
      create: 'echo "$TOKEN" >&2; echo "$TOKEN"; exit 4',
      environment: { TOKEN: "@secret" },
      secret: true,
    };
    let r: RunResult;
    try {
      r = await up("--continue-on-error");
    } finally {
      // They failed to create, so they are not in the state: later steps run without them.
      for (const k of ["fail", "slow", "sfail"]) delete commands[k];
    }
    const t = text(r);
    expect(r.code).not.toBe(0);
    expect(t).toContain(
      `RemoteCommand fail: create on root@${a.address}:22 exited with code 3; stderr (last lines):\n`,
    );
    expect(t).toMatch(/first-line\s+the real reason/);
    expect(t).toContain(`RemoteCommand slow: create on root@${a.address}:22 timed out after 2s (killed)`);
    expect(t).toContain(
      `RemoteCommand sfail: create on root@${b.address}:22 exited with code 4 (output is secret and not shown)`,
    );
    expect(r.seconds).toBeLessThan(60);
    // The timed-out command's process group is gone from the host.
    expect((await a.exec("pgrep -f 'sleep [7]7' || true")).stdout.trim()).toBe("");
  });

  it("an unreachable host fails after the bounded retries, with the backoff between them", async () => {
    await c.kill();
    commands["gone"] = { host: run.unreachableAddress, create: "true", dialErrorLimit: 3, perDialTimeout: 2 };
    commands["down"] = { host: "c", create: "true", dialErrorLimit: 3, perDialTimeout: 2 };
    let r: RunResult;
    try {
      r = await up("--continue-on-error");
    } finally {
      delete commands["gone"];
      delete commands["down"];
      await c.restart();
    }
    const t = text(r);
    expect(r.code).not.toBe(0);
    expect(t).toContain(`RemoteCommand gone: could not connect to root@${run.unreachableAddress}:22 after 3 attempts`);
    expect(t).toContain(`RemoteCommand down: could not connect to root@${c.address}:22 after 3 attempts`);
    expect(t).toMatch(/RemoteCommand down: .*last error: connect ECONNREFUSED/);
    // Refusals are instant: the time is the waits between attempts (1 s + 2 s), not a tight loop.
    const down = dialSeconds(t, "down");
    expect(down).toBeGreaterThanOrEqual(3);
    expect(down).toBeLessThan(5);
    // Silence (no ARP answer) costs up to the per-dial timeout each time, plus the same waits.
    const gone = dialSeconds(t, "gone");
    expect(gone).toBeGreaterThan(4);
    expect(gone).toBeLessThan(3 + 3 * 2 + 2);
  });

  it("a changed host key is refused, naming the resource, host and both fingerprints; pinning the new key fixes it", async () => {
    const old = b.hostKey;
    await b.restart({ newHostKey: true });
    expect(b.hostKey).not.toBe(old);
    commands["s"] = { ...commands["s"], environment: { TOKEN: "@secret", ROUND: "2" } };
    commands["pinned"] = { host: "a", hostKey: c.hostKey, create: "echo pinned >> /etc/rancher/log" };
    let r = await up("--continue-on-error");
    let t = text(r);
    expect(r.code).not.toBe(0);
    expect(t).toContain(
      `RemoteCommand s: the host key of ${b.address}:22 changed: expected ${fingerprint(old)} (recorded at the first ` +
        `connection), the host presented ${fingerprint(b.hostKey)}.`,
    );
    expect(t).toContain(
      `RemoteCommand pinned: the host key of ${a.address}:22 changed: expected ${fingerprint(c.hostKey)} (pinned in ` +
        `connection.hostKey), the host presented ${fingerprint(a.hostKey)}.`,
    );
    // Nothing ran on either host.
    expect(await log(b, "/etc/rancher/s.log")).toBe("");
    expect(await log(a, "/etc/rancher/log")).not.toContain("pinned");

    commands["s"] = { ...commands["s"], hostKey: b.hostKey };
    commands["pinned"] = { ...commands["pinned"], hostKey: a.hostKey };
    r = await up();
    t = text(r);
    expect(r.code, t).toBe(0);
    expect(await log(b, "/etc/rancher/s.log")).toBe("updated\n");
    expect(await log(a, "/etc/rancher/log")).toMatch(/pinned\n$/);
    expect((await outputs()).hostKeys["s"]).toBe(b.hostKey);
    transcript.push(await ws.run(["stack", "export"]));
  });

  it("copies a binary file byte for byte (every byte value, invalid UTF-8), without its content in the state", async () => {
    const local = join(ws.dir, "k3s-like.bin");
    writeFileSync(local, BINARY);
    const localSha = createHash("sha256").update(BINARY).digest("hex");
    copies["bin"] = { host: "a", localPath: local, remotePath: "/etc/rancher/bin/k3s", mode: "0755" };
    const r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 1 created/);
    expect((await a.exec("sha256sum /etc/rancher/bin/k3s")).stdout.split(" ")[0]).toBe(localSha);
    expect(readFileSync(a.path("/etc/rancher/bin/k3s")).equals(BINARY)).toBe(true);
    expect(statSync(a.path("/etc/rancher/bin/k3s")).mode & 0o777).toBe(0o755);
    expect((await outputs()).sha256["bin"]).toBe(localSha);
    const state = await ws.run(["stack", "export"]);
    transcript.push(state);
    expect(state.stdout).not.toContain("BINARY-MARKER");
  });

  it("a bundle writes its files over one connection; an update rewrites only the changed ones", async () => {
    const local = join(ws.dir, "k3s-like.bin");
    const localSha = createHash("sha256").update(BINARY).digest("hex");
    const bundle = (script: string) => ({
      host: "a",
      remotePath: "/etc/rancher/stage",
      files: {
        "run.sh": { content: script, mode: "0755" },
        "release/k3s": { localPath: local, mode: "0700" },
      },
    });
    const logins = () =>
      a
        .sshdLog()
        .split("\n")
        .filter((l) => l.includes("Accepted publickey")).length;
    const before = logins();
    copies["bundle"] = bundle("echo one\n");
    let r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 1 created/);
    // Nothing else on this host changed: one login wrote both files.
    expect(logins() - before).toBe(1);
    expect((await a.exec("sha256sum /etc/rancher/stage/release/k3s")).stdout.split(" ")[0]).toBe(localSha);
    expect(statSync(a.path("/etc/rancher/stage/release/k3s")).mode & 0o777).toBe(0o700);
    expect(await readFile(a.path("/etc/rancher/stage/run.sh"), "utf8")).toBe("echo one\n");
    expect(statSync(a.path("/etc/rancher/stage/run.sh")).mode & 0o777).toBe(0o755);

    // Atomic writes rename a new file into place: an unchanged file keeps its inode.
    const inode = (p: string) => statSync(a.path(p)).ino;
    const [binaryInode, scriptInode] = [inode("/etc/rancher/stage/release/k3s"), inode("/etc/rancher/stage/run.sh")];
    copies["bundle"] = bundle("echo two\n");
    r = await up();
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/~ 1 updated/);
    expect(await readFile(a.path("/etc/rancher/stage/run.sh"), "utf8")).toBe("echo two\n");
    expect(inode("/etc/rancher/stage/run.sh")).not.toBe(scriptInode);
    expect(inode("/etc/rancher/stage/release/k3s")).toBe(binaryInode);
  });

  it("destroy runs the delete commands", async () => {
    const r = await ws.run(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
    transcript.push(r);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/- 9 deleted/);
    expect(await log(a, "/etc/rancher/log")).toBe("create\nupdate second\ndelete\ncreate\npinned\ndelete\n");
  });

  it("no secret value, secret output or private key line ever appeared in output, diffs or state", async () => {
    const history = await ws.run(["stack", "history", "--json"]);
    const all = [...transcript, history].map(text).join("\n");
    expect(all).toContain("TOKEN: [secret]"); // the diffs showed the secret's place, not its value
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain("secretmaterial");
    const keyLines = run.privateKey.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
    expect(keyLines.length).toBeGreaterThan(2);
    for (const line of keyLines) expect(all).not.toContain(line);
  });
});
