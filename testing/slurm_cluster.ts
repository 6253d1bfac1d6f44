/**
 * A real single-node Slurm cluster on loopback for tests and benchmarks: munged, slurmctld and
 * slurmd (Debian's `munge` and `slurm-wlm`) started as child processes of the test run, with
 * their own key, sockets, state and configuration in a temporary folder, and stopped by the PIDs
 * started here. `SLURM_CONF` in {@linkcode SlurmCluster.env} points sbatch, squeue, scontrol and
 * scancel at it.
 *
 * It needs root (slurmd runs jobs as their user) and the Debian packages; without them
 * {@linkcode startSlurmCluster} throws with the reason: a test never skips silently.
 *
 * @module
 */
import { join } from "node:path";
import { exists } from "../lib/_base/fs.ts";
import { sleep } from "../lib/_base/time.ts";

/** A running test cluster. */
export interface SlurmCluster extends AsyncDisposable {
  /** The cluster's temporary folder (configuration, state, logs). */
  dir: string;
  /** Environment for Slurm's client commands: `SLURM_CONF`. */
  env: Record<string, string>;
  /** The partition jobs go to. */
  partition: string;
  /** CPUs of the node. */
  cpus: number;
  /** Stops the daemons (after cancelling any job left) and removes the folder. */
  stop(): Promise<void>;
}

const decoder = new TextDecoder();

async function output(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function requireTools(): Promise<void> {
  if (Deno.uid() !== 0) {
    throw new Error(
      "Cannot start the Slurm test cluster: it needs root (slurmd runs jobs as their owner); " +
        "CI runs as root",
    );
  }
  for (const tool of ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue"]) {
    const found = await output("sh", ["-c", `command -v ${tool}`]).catch(() => undefined);
    if (found?.code !== 0) {
      throw new Error(
        `Cannot start the Slurm test cluster: '${tool}' is not installed; ` +
          "install Debian's slurm-wlm and munge (.ci/run does)",
      );
    }
  }
}

/** CPUs and memory of this machine as slurmd sees them (`slurmd -C`). */
async function nodeSize(): Promise<{ cpus: number; memoryMb: number }> {
  const { stdout } = await output("slurmd", ["-C"]);
  const cpus = Number(/CPUs=(\d+)/.exec(stdout)?.[1] ?? "1");
  const memory = Number(/RealMemory=(\d+)/.exec(stdout)?.[1] ?? "1024");
  return { cpus, memoryMb: Math.max(256, Math.floor(memory * 0.8)) };
}

/**
 * slurmd 22.05 always starts a cgroup plugin, and its autodetection fails where no cgroup file
 * system is mounted (containers, some CI runners). Naming the v1 plugin skips the detection; with
 * the plugins below (proctrack/linuxproc, task/none) nothing uses a cgroup, so it works anywhere.
 */
const CGROUP_CONF = ["CgroupPlugin=cgroup/v1", "CgroupAutomount=no", ""].join("\n");

function slurmConf(dir: string, size: { cpus: number; memoryMb: number }): string {
  return [
    "ClusterName=pynbtest",
    "SlurmctldHost=localhost(127.0.0.1)",
    `SlurmctldPort=${freePort()}`,
    `SlurmdPort=${freePort()}`,
    "AuthType=auth/munge",
    `AuthInfo=socket=${dir}/run/munge.socket`,
    "CredType=cred/munge",
    "SlurmUser=root",
    "SlurmdUser=root",
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
    `SlurmdPidFile=${dir}/run/slurmd.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd.log`,
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core_Memory",
    // Jobs that ask for no memory share the node, as on clusters that set a default.
    "DefMemPerCPU=1024",
    "SchedulerType=sched/backfill",
    "MpiDefault=none",
    "ReturnToService=2",
    // Cancelled jobs get SIGTERM, then SIGKILL this many seconds later.
    "KillWait=5",
    "MinJobAge=600",
    "InactiveLimit=0",
    `NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${size.cpus} ` +
    `RealMemory=${size.memoryMb} State=UNKNOWN`,
    "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
    "",
  ].join("\n");
}

function spawn(cmd: string, args: string[], log: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    // exec: the PID we hold is the daemon's own.
    args: ["-c", `exec "$0" "$@" >>"${log}" 2>&1`, cmd, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    return; // already gone
  }
  const ended = await Promise.race([child.status.then(() => true), sleep(5000).then(() => false)]);
  if (!ended) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  }
}

async function tail(file: string): Promise<string> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").slice(-15).join("\n");
}

/**
 * Starts munged, slurmctld and slurmd and waits until the node is idle.
 *
 * @returns The cluster; `await using` it, or call `stop()`.
 * @throws {Error} When a tool is missing, this is not root, or a daemon does not come up (with
 *   the end of its log).
 */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  await requireTools();
  const dir = await Deno.makeTempDir({ prefix: "pynb-slurm-" });
  for (const sub of ["run", "key", "state", "spool", "log"]) await Deno.mkdir(join(dir, sub));
  await Deno.chmod(dir, 0o755);
  await Deno.chmod(join(dir, "run"), 0o755);
  await Deno.chmod(join(dir, "key"), 0o700);
  const key = join(dir, "key", "munge.key");
  const made = await output("mungekey", ["--create", `--keyfile=${key}`]);
  if (made.code !== 0) throw new Error(`Cannot create a munge key: ${made.stderr}`);
  const size = await nodeSize();
  const conf = join(dir, "slurm.conf");
  await Deno.writeTextFile(conf, slurmConf(dir, size));
  await Deno.writeTextFile(join(dir, "cgroup.conf"), CGROUP_CONF);
  const env = { SLURM_CONF: conf };
  const children: Deno.ChildProcess[] = [];
  const stopAll = async () => {
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    children.push(spawn("munged", [
      "-F",
      `--socket=${dir}/run/munge.socket`,
      `--key-file=${key}`,
      `--pid-file=${dir}/run/munged.pid`,
      `--seed-file=${dir}/key/munged.seed`,
      `--log-file=${dir}/log/munged.log`,
    ], join(dir, "log", "munged.out")));
    await waitFor(() => exists(join(dir, "run", "munge.socket")), 10_000, "munged", dir);
    children.push(spawn("slurmctld", ["-D", "-i", "-f", conf], join(dir, "log", "slurmctld.out")));
    children.push(
      spawn("slurmd", ["-D", "-N", "localhost", "-f", conf], join(dir, "log", "slurmd.out")),
    );
    await waitFor(
      async () => {
        const info = await output("sinfo", ["-h", "-o", "%t"], env);
        return info.code === 0 && info.stdout.trim() === "idle";
      },
      30_000,
      "slurmctld and slurmd",
      dir,
    );
  } catch (err) {
    await stopAll();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await drainJobs(env);
    await stopAll();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { dir, env, partition: "debug", cpus: size.cpus, stop, [Symbol.asyncDispose]: stop };
}

async function waitFor(
  ready: () => Promise<boolean>,
  ms: number,
  what: string,
  dir: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(200);
  }
  const logs = [];
  for (const name of ["munged.out", "slurmctld.out", "slurmd.out"]) {
    logs.push(`--- ${name}\n${await tail(join(dir, "log", name))}`);
  }
  throw new Error(
    `Cannot start the Slurm test cluster: ${what} not ready in ${ms} ms\n${logs.join("\n")}`,
  );
}

/** Cancels every job still known to the cluster and waits until none is pending or running. */
async function drainJobs(env: Record<string, string>): Promise<void> {
  await output("scancel", ["--full", "--user=root"], env).catch(() => {});
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const q = await output("squeue", ["-h", "-o", "%i"], env).catch(() => undefined);
    if (q === undefined || q.code !== 0 || q.stdout.trim() === "") return;
    await sleep(250);
  }
}

/**
 * The jobs the cluster still has pending, running or ending (`squeue`): empty when nothing is
 * left behind.
 *
 * @param cluster The cluster.
 * @returns One `id state name` line per job.
 */
export async function activeJobs(cluster: SlurmCluster): Promise<string[]> {
  const q = await output("squeue", ["-h", "-o", "%i %T %j"], cluster.env);
  if (q.code !== 0) throw new Error(`squeue failed: ${q.stderr}`);
  return q.stdout.split("\n").filter((l) => l.trim() !== "");
}
