/**
 * Test hosts on this machine: each one a network namespace (a veth on a per-run bridge, its own
 * address in 198.18.0.0/15), a PID, UTS and mount namespace (its own hostname, its own process tree,
 * its own view of the paths that scripts write), and its own Debian `sshd` with its own host key.
 * Used by the remote-command and cluster integration tests; needs root, `ip`, `unshare`, `nsenter`,
 * overlayfs and `openssh-server` (installed by scripts/lib.sh for the test tool set).
 *
 * Each path in `mounts` is an overlay inside the host: the machine's content shows through, and what
 * the host writes lands in its own folder (`host.path("/etc/rancher/k3s/config.yaml")`).
 *
 * Every run claims its own /24 (198.18.<n>.0/24: gateway .1, hosts .10, .11, …) and its own
 * namespace and interface names, so parallel runs do not collide. `stop()` removes everything; so
 * does process exit, and a later run sweeps what a killed run left behind.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

/** Paths a k3s install writes: each becomes a per-host overlay. */
export const DEFAULT_MOUNTS: readonly string[] = [
  "/etc/rancher",
  "/var/lib/rancher",
  "/usr/local/bin",
  "/run/k3s",
  "/etc/systemd/system",
  "/tmp",
];

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestHost {
  readonly name: string;
  /** Address in the run's /24, reachable from the machine and from the other hosts. */
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** OpenSSH private key (ed25519) authorized on every host of the run. */
  readonly privateKey: string;
  /** Current host key as an OpenSSH public key line (`ssh-ed25519 AAAA…`), without comment. */
  readonly hostKey: string;
  /** The host's private folder (sshd config, keys, log, overlay upper dirs). */
  readonly root: string;
  readonly netns: string;
  /** Where a file the host wrote at `path` (under one of the mounts) lives on the machine. */
  path(path: string): string;
  /** Runs `bash -c cmd` inside the host's namespaces as root. */
  exec(cmd: string, opts?: { stdin?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Stops the host's sshd (the host stays up; its port refuses connections). */
  kill(): Promise<void>;
  /** (Re)starts sshd; with `newHostKey` first generates a fresh host key (`hostKey` changes). */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
  /** What sshd logged so far. */
  sshdLog(): string;
}

export interface TestHosts {
  readonly hosts: TestHost[];
  /** The machine's address on the run's bridge. */
  readonly gateway: string;
  /** An address in the run's /24 where nothing answers (dials to it time out or are unreachable). */
  readonly unreachableAddress: string;
  readonly subnet: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface StartHostsOptions {
  readonly count: number;
  /** Host names (hostnames inside the hosts); default `host-0`, `host-1`, … */
  readonly names?: string[];
  /** Absolute paths that get a per-host overlay. @default DEFAULT_MOUNTS */
  readonly mounts?: readonly string[];
  /** sshd port in every host. @default 22 */
  readonly port?: number;
}

const BASE = "/var/tmp/sophia-hosts";

interface RunMeta {
  ownerPid: number;
  bridge: string;
  netns: string[];
  initPids: number[];
}

function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, timeout: 30_000 });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  }
  return r.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function teardown(meta: RunMeta): void {
  for (const pid of meta.initPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const ns of meta.netns) sh("ip", ["netns", "del", ns], { allowFail: true });
  sh("ip", ["link", "del", meta.bridge], { allowFail: true });
}

/** Tears down runs whose owning process is gone (a test worker killed before its cleanup). */
function sweepStale(): void {
  if (!existsSync(BASE)) return;
  for (const entry of readdirSync(BASE)) {
    const dir = join(BASE, entry);
    const metaFile = join(dir, "meta.json");
    let meta: RunMeta | undefined;
    try {
      meta = JSON.parse(readFileSync(metaFile, "utf8")) as RunMeta;
    } catch {
      meta = undefined;
    }
    const owner = meta?.ownerPid ?? Number(readFileSafe(join(dir, "owner")));
    if (owner && alive(owner)) continue;
    if (meta) teardown(meta);
    rmSync(dir, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Claims a free 198.18.<n>.0/24 for this run (an atomic mkdir), returning n and the run's folder. */
function claimSubnet(): { n: number; dir: string } {
  mkdirSync(BASE, { recursive: true });
  const used = sh("ip", ["-4", "-o", "addr", "show"]);
  const start = 1 + Math.floor(Math.random() * 250);
  for (let k = 0; k < 250; k++) {
    const n = 1 + ((start + k) % 250);
    if (used.includes(`198.18.${n}.`)) continue;
    const dir = join(BASE, String(n));
    try {
      mkdirSync(dir);
    } catch {
      continue;
    }
    writeFileSync(join(dir, "owner"), String(process.pid));
    return { n, dir };
  }
  throw new Error("no free 198.18.<n>.0/24 for test hosts");
}

function keygen(file: string, comment: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** `ssh-ed25519 AAAA…` of a public key file, without its comment. */
function publicKeyLine(file: string): string {
  return readFileSync(file, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

function childPid(pid: number): number | undefined {
  const children = readFileSafe(`/proc/${pid}/task/${pid}/children`).trim();
  return children ? Number(children.split(/\s+/)[0]) : undefined;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves true once something at address:port sends an SSH banner. */
function sshBanner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("data", (d: Buffer) => done(d.toString().startsWith("SSH-")));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

function sshdConfig(root: string, port: number): string {
  return [
    `Port ${port}`,
    "ListenAddress 0.0.0.0",
    `HostKey ${root}/sshd/ssh_host_ed25519_key`,
    `AuthorizedKeysFile ${root}/sshd/authorized_keys`,
    "PidFile none",
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The key files live in the harness's folder, not in ~/.ssh.
    "StrictModes no",
    "MaxStartups 200",
    "MaxSessions 200",
    "LogLevel VERBOSE",
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts `count` hosts; on any failure everything created so far is removed before rethrowing. */
export async function startHosts(opts: StartHostsOptions): Promise<TestHosts> {
  const count = opts.count;
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new Error(`count must be 1..200, got ${count}`);
  const names = opts.names ?? Array.from({ length: count }, (_, i) => `host-${i}`);
  if (names.length !== count) throw new Error(`names has ${names.length} entries, count is ${count}`);
  for (const name of names) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`host name ${name} is not a hostname`);
  }
  const mounts = opts.mounts ?? DEFAULT_MOUNTS;
  for (const m of mounts) if (!m.startsWith("/") || m === "/" || m.startsWith(BASE)) throw new Error(`bad mount ${m}`);
  const port = opts.port ?? 22;
  if (process.getuid?.() !== 0)
    throw new Error("test hosts need root (network and mount namespaces): run the tests as root");
  if (!existsSync("/usr/sbin/sshd")) {
    throw new Error(
      "test hosts need /usr/sbin/sshd: install openssh-server (scripts/lib.sh does for the test tool set)",
    );
  }

  sweepStale();
  mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege separation directory (Debian)
  const { n, dir } = claimSubnet();
  const tag = `${n.toString(16).padStart(2, "0")}${(process.pid % 0xffff).toString(16).padStart(4, "0")}`;
  const meta: RunMeta = { ownerPid: process.pid, bridge: `shb${tag}`, netns: [], initPids: [] };
  const saveMeta = (): void => writeFileSync(join(dir, "meta.json"), JSON.stringify(meta));
  const gateway = `198.18.${n}.1`;
  let stopped = false;
  const onExit = (): void => {
    if (!stopped) {
      teardown(meta);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.on("exit", onExit);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    teardown(meta);
    // The PID namespaces die with their init; wait so the overlay mounts are gone before removal.
    await waitFor("test hosts to exit", 10_000, () => (meta.initPids.some(alive) ? undefined : true));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    saveMeta();
    keygen(join(dir, "id_ed25519"), "sophia-test-client");
    const privateKey = readFileSync(join(dir, "id_ed25519"), "utf8");
    const publicKey = publicKeyLine(join(dir, "id_ed25519.pub"));

    sh("ip", ["link", "add", meta.bridge, "type", "bridge"]);
    sh("ip", ["addr", "add", `${gateway}/24`, "dev", meta.bridge]);
    sh("ip", ["link", "set", meta.bridge, "up"]);

    const hosts: TestHost[] = [];
    for (const [i, name] of names.entries()) {
      const address = `198.18.${n}.${10 + i}`;
      const netns = `sophia-${tag}-${i}`;
      const veth = `shv${tag}${i}`;
      const root = join(dir, name);
      mkdirSync(join(root, "sshd"), { recursive: true });
      meta.netns.push(netns);
      saveMeta();
      sh("ip", ["netns", "add", netns]);
      sh("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      sh("ip", ["link", "set", veth, "master", meta.bridge, "up"]);
      sh("ip", ["-n", netns, "link", "set", "lo", "up"]);
      sh("ip", ["-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      sh("ip", ["-n", netns, "link", "set", "eth0", "up"]);
      sh("ip", ["-n", netns, "route", "add", "default", "via", gateway]);

      const overlays = mounts.map((m) => {
        const upper = join(root, "fs", m);
        const work = join(root, "work", m);
        mkdirSync(upper, { recursive: true });
        mkdirSync(work, { recursive: true });
        mkdirSync(m, { recursive: true }); // the mount point must exist on the machine
        return `mount -t overlay overlay -o ${quote(`lowerdir=${m},upperdir=${upper},workdir=${work}`)} ${quote(m)}`;
      });
      const ready = join(root, "ready");
      const init = [
        "set -e",
        `hostname ${quote(name)}`,
        ...overlays,
        `touch ${quote(ready)}`,
        "trap 'exit 0' TERM",
        "while :; do sleep 3600 & wait $! || true; done",
      ].join("\n");
      const log = openSync(join(root, "init.log"), "a");
      const unshare = spawn(
        "ip",
        [
          "netns",
          "exec",
          netns,
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "--uts",
          "--pid",
          "--kill-child",
          "--mount-proc",
          "--",
          "bash",
          "-c",
          init,
        ],
        { stdio: ["ignore", log, log], detached: true },
      );
      closeSync(log);
      unshare.unref();
      const unsharePid = unshare.pid;
      if (unsharePid === undefined) throw new Error(`could not start host ${name}`);
      meta.initPids.push(unsharePid);
      saveMeta();
      const initPid = await waitFor(`host ${name} to start (see ${root}/init.log)`, 10_000, () =>
        existsSync(ready) ? childPid(unsharePid) : undefined,
      );
      meta.initPids.push(initPid);
      saveMeta();

      keygen(join(root, "sshd", "ssh_host_ed25519_key"), name);
      writeFileSync(join(root, "sshd", "authorized_keys"), `${publicKey}\n`);
      writeFileSync(join(root, "sshd", "sshd_config"), sshdConfig(root, port));
      hosts.push(makeHost({ name, address, port, privateKey, root, netns, initPid }));
    }
    await Promise.all(hosts.map((h) => h.restart()));
    return {
      hosts,
      gateway,
      unreachableAddress: `198.18.${n}.254`,
      subnet: `198.18.${n}.0/24`,
      privateKey,
      publicKey,
      dir,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

function makeHost(h: {
  name: string;
  address: string;
  port: number;
  privateKey: string;
  root: string;
  netns: string;
  initPid: number;
}): TestHost {
  const sshdDir = join(h.root, "sshd");
  const logFile = join(sshdDir, "sshd.log");
  let sshdPid: number | undefined; // the sshd listener, as the machine sees it
  const enter = ["-t", String(h.initPid), "-m", "-n", "-p", "-u", "--"];

  const kill = async (): Promise<void> => {
    const pid = sshdPid;
    sshdPid = undefined;
    if (pid === undefined || !alive(pid)) return;
    process.kill(pid, "SIGTERM");
    await waitFor(`sshd of ${h.name} to stop`, 10_000, () => (alive(pid) ? undefined : true));
  };

  const host: TestHost = {
    name: h.name,
    address: h.address,
    port: h.port,
    user: "root",
    privateKey: h.privateKey,
    get hostKey() {
      return publicKeyLine(join(sshdDir, "ssh_host_ed25519_key.pub"));
    },
    root: h.root,
    netns: h.netns,
    path: (p: string) => join(h.root, "fs", p),
    exec: (cmd, opts = {}) =>
      new Promise<ExecResult>((resolve, reject) => {
        const child = spawn("nsenter", [...enter, "bash", "-c", cmd], {
          cwd: "/",
          stdio: ["pipe", "pipe", "pipe"],
          timeout: opts.timeoutMs ?? 60_000,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        // A command that exits without reading stdin closes the pipe first (EPIPE): not an error of the run.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.stdin ?? "");
      }),
    kill,
    restart: async (opts = {}) => {
      await kill();
      if (opts.newHostKey) keygen(join(sshdDir, "ssh_host_ed25519_key"), h.name);
      const log = openSync(logFile, "a");
      const nsenter = spawn("nsenter", [...enter, "/usr/sbin/sshd", "-D", "-e", "-f", join(sshdDir, "sshd_config")], {
        stdio: ["ignore", log, log],
        detached: true,
      });
      closeSync(log);
      nsenter.unref();
      const nsenterPid = nsenter.pid;
      if (nsenterPid === undefined) throw new Error(`could not start sshd of ${h.name}`);
      sshdPid = await waitFor(`sshd of ${h.name} to start`, 10_000, () => childPid(nsenterPid));
      await waitFor(`sshd of ${h.name} on ${h.address}:${h.port} (see ${logFile})`, 10_000, async () =>
        (await sshBanner(h.address, h.port)) ? true : undefined,
      );
    },
    sshdLog: () => readFileSafe(logFile),
  };
  return host;
}
