/**
 * Finds and kills every process of a notebook attempt: the driver's and the kernel's process
 * groups and sessions, and every descendant, with SIGTERM, a short grace, then SIGKILL.
 *
 * jupyter_client starts the kernel in a session of its own, so killing the driver's group does
 * not reach the kernel nor what its cells started. On Linux the members are found by scanning
 * `/proc` (session id survives re-parenting and `setpgid`); elsewhere only the groups are
 * signalled.
 *
 * @module
 */
import { sleep } from "../_base/time.ts";

/** One process as listed in `/proc/<pid>/stat`. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** One-letter state: `R`, `S`, `Z` (dead, not yet reaped)... */
  state: string;
  /** Start time in clock ticks after boot: with the pid, identifies a process across pid reuse. */
  start?: number;
}

/** The processes that belong to an attempt. */
export interface ProcessSet {
  /** Process ids (the driver, the kernel). */
  pids: number[];
  /** Process group ids to signal as a whole (`kill(-pgid)`). */
  groups: number[];
  /** Session ids: every process in one of these sessions belongs to the set. */
  sessions: number[];
}

/** Options of {@linkcode killProcessSet}. */
export interface KillOptions {
  /**
   * How long processes get to exit after SIGTERM before SIGKILL, in milliseconds.
   * @default 1500
   */
  graceMs?: number;
}

/** What {@linkcode killProcessSet} did. */
export interface KillReport {
  /** Processes that received SIGTERM. */
  terminated: number[];
  /** Processes still alive after the grace that received SIGKILL. */
  killed: number[];
  /** Processes still alive at the end (should be empty; a process in uninterruptible sleep). */
  survivors: number[];
}

const POLL_MS = 50;

/**
 * Parses the content of `/proc/<pid>/stat`.
 *
 * @param text The file's content.
 * @returns The process, or `undefined` when the text is not in the expected format.
 *
 * @example Parsing a stat line whose command has spaces and parentheses
 * ```ts
 * import { parseProcStat } from "./process_group.ts";
 * const info = parseProcStat("42 (my (cmd)) S 1 40 40 0 -1");
 * console.assert(info?.pgid === 40 && info.state === "S");
 * ```
 */
export function parseProcStat(text: string): ProcessInfo | undefined {
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const close = text.lastIndexOf(")");
  const pid = Number.parseInt(text, 10);
  if (close < 0 || Number.isNaN(pid)) return undefined;
  const fields = text.slice(close + 2).split(" ");
  const [state, ppid, pgid, sid] = [fields[0], fields[1], fields[2], fields[3]];
  if (state === undefined || ppid === undefined || pgid === undefined || sid === undefined) {
    return undefined;
  }
  const info: ProcessInfo = {
    pid,
    state,
    ppid: Number(ppid),
    pgid: Number(pgid),
    sid: Number(sid),
  };
  const start = Number(fields[19]);
  if (Number.isFinite(start)) info.start = start;
  return info;
}

/**
 * Lists the processes of this machine from `/proc`.
 *
 * @returns Every readable process, or `undefined` where `/proc` is not available (macOS).
 *
 * @example Finding this process
 * ```ts
 * import { listProcesses } from "./process_group.ts";
 * const all = await listProcesses();
 * console.assert(all === undefined || all.some((p) => p.pid === Deno.pid));
 * ```
 */
export async function listProcesses(): Promise<ProcessInfo[] | undefined> {
  const result: ProcessInfo[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const info = parseProcStat(await Deno.readTextFile(`/proc/${entry.name}/stat`));
        if (info) result.push(info);
      } catch {
        // The process ended while listing.
      }
    }
  } catch {
    return undefined;
  }
  return result;
}

/**
 * Selects the live members of a process set: the given pids, every process in one of the groups
 * or sessions, all their descendants, and the sessions and groups these lead. Zombies (already
 * dead) are left out.
 *
 * @param processes All processes, from {@linkcode listProcesses}.
 * @param set The pids, groups and sessions of the attempt.
 * @returns The pids of the members.
 *
 * @example A kernel's child in the kernel's session
 * ```ts
 * import { selectMembers } from "./process_group.ts";
 * const members = selectMembers([
 *   { pid: 10, ppid: 1, pgid: 10, sid: 10, state: "S" },
 *   { pid: 11, ppid: 1, pgid: 11, sid: 11, state: "S" },
 *   { pid: 12, ppid: 11, pgid: 12, sid: 11, state: "S" },
 *   { pid: 13, ppid: 1, pgid: 13, sid: 13, state: "S" },
 * ], { pids: [10], groups: [10], sessions: [10, 11] });
 * console.assert(JSON.stringify([...members].sort()) === "[10,11,12]");
 * ```
 */
export function selectMembers(processes: ProcessInfo[], set: ProcessSet): Set<number> {
  const members = new Set<number>();
  const pids = new Set(set.pids);
  const groups = new Set(set.groups);
  const sessions = new Set(set.sessions);
  const children = new Map<number, ProcessInfo[]>();
  for (const p of processes) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid)!.push(p);
  }
  // A member that leads a session or group (the kernel does) brings the whole of it in, also
  // the processes already re-parented away from it.
  const visited = new Set<number>();
  let queue: ProcessInfo[] = processes.filter((p) =>
    pids.has(p.pid) || groups.has(p.pgid) || sessions.has(p.sid)
  );
  while (queue.length > 0) {
    while (queue.length > 0) {
      const p = queue.pop()!;
      if (visited.has(p.pid)) continue;
      visited.add(p.pid);
      if (p.state !== "Z") members.add(p.pid);
      if (p.sid === p.pid) sessions.add(p.sid);
      if (p.pgid === p.pid) groups.add(p.pgid);
      queue.push(...(children.get(p.pid) ?? []));
    }
    queue = processes.filter((p) =>
      !visited.has(p.pid) && (groups.has(p.pgid) || sessions.has(p.sid))
    );
  }
  members.delete(Deno.pid);
  return members;
}

function signal(target: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(target, sig);
    return true;
  } catch {
    return false; // gone already (ESRCH), or not ours
  }
}

function signalAll(set: ProcessSet, members: Iterable<number>, sig: Deno.Signal): number[] {
  for (const group of set.groups) if (group > 1) signal(-group, sig);
  const hit: number[] = [];
  for (const pid of members) if (pid > 1 && signal(pid, sig)) hit.push(pid);
  return hit;
}

/** Processes met earlier, as `pid:start`, so that a reused pid is not mistaken for one. */
type Seen = Map<number, number | undefined>;

function remember(seen: Seen, processes: ProcessInfo[] | undefined, pids: Iterable<number>): void {
  const byPid = new Map((processes ?? []).map((p) => [p.pid, p.start]));
  for (const pid of pids) if (!seen.has(pid)) seen.set(pid, byPid.get(pid));
}

async function liveMembers(
  set: ProcessSet,
  seen: Seen,
): Promise<Set<number> | undefined> {
  const processes = await listProcesses();
  if (processes === undefined) return undefined;
  // Never the runner's own group or session (a driver killed before its setsid() is still in it).
  const self = processes.find((p) => p.pid === Deno.pid);
  if (self) {
    set = {
      pids: set.pids,
      groups: set.groups.filter((g) => g !== self.pgid),
      sessions: set.sessions.filter((s) => s !== self.sid),
    };
  }
  // Processes seen before stay members after their parent died (re-parented to init), as long
  // as their pid still names the same process.
  const still = processes.filter((p) => seen.has(p.pid) && seen.get(p.pid) === p.start);
  const members = selectMembers(processes, {
    ...set,
    pids: [...set.pids, ...still.map((p) => p.pid)],
  });
  remember(seen, processes, members);
  return members;
}

/**
 * Kills a process set: SIGTERM to the groups and every member, a grace period, then SIGKILL to
 * whatever is left, until nothing of the set is alive. Never throws for processes already gone.
 *
 * @param set The pids, groups and sessions of the attempt.
 * @param options Grace period.
 * @returns Which processes were signalled and which, if any, survived.
 *
 * @example Killing a process group
 * ```ts
 * import { killProcessSet } from "./process_group.ts";
 * const child = new Deno.Command("setsid", { args: ["sleep", "60"] }).spawn();
 * const report = await killProcessSet({ pids: [child.pid], groups: [child.pid], sessions: [] });
 * await child.status;
 * console.assert(report.survivors.length === 0);
 * ```
 */
export async function killProcessSet(
  set: ProcessSet,
  options: KillOptions = {},
): Promise<KillReport> {
  const graceMs = options.graceMs ?? 1500;
  const seen: Seen = new Map();
  let members = await liveMembers(set, seen);
  const terminated = signalAll(set, members ?? set.pids, "SIGTERM");
  const signalled = new Set(terminated);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    members = await liveMembers(set, seen);
    if (members === undefined) {
      await sleep(graceMs);
      break;
    }
    if (members.size === 0) return { terminated, killed: [], survivors: [] };
    for (const pid of members) {
      if (!signalled.has(pid)) signal(pid, "SIGTERM"); // started during the grace
      signalled.add(pid);
    }
    await sleep(POLL_MS);
  }
  members = await liveMembers(set, seen);
  const killed = signalAll(set, members ?? set.pids, "SIGKILL");
  for (let i = 0; i < 20; i++) {
    members = await liveMembers(set, seen);
    if (members === undefined || members.size === 0) break;
    signalAll(set, members, "SIGKILL");
    await sleep(POLL_MS);
  }
  return { terminated, killed, survivors: [...(members ?? [])] };
}

/** Process sets of attempts still running, killed synchronously if this process exits. */
const active = new Set<ProcessSet>();
let unloadHooked = false;

/**
 * Registers a process set to be killed (SIGKILL, synchronously) if the runner exits while the
 * attempt runs, e.g. through `Deno.exit()`. Returns a function that unregisters it.
 *
 * @param set The process set; it may be filled in later (pids and groups are read at exit).
 * @returns The function to call once the attempt's processes are gone.
 *
 * @example Guarding an attempt
 * ```ts
 * import { guardOnExit } from "./process_group.ts";
 * const release = guardOnExit({ pids: [], groups: [], sessions: [] });
 * release();
 * ```
 */
export function guardOnExit(set: ProcessSet): () => void {
  if (!unloadHooked) {
    unloadHooked = true;
    globalThis.addEventListener("unload", () => {
      for (const s of active) signalAll(s, s.pids, "SIGKILL");
    });
  }
  active.add(set);
  return () => void active.delete(set);
}

/**
 * Reads which pipe a process has on one of its file descriptors.
 *
 * @param pid The process.
 * @param fd The file descriptor.
 * @returns The pipe's identity (`pipe:[12345]`), or `undefined` when it is not a pipe or `/proc`
 *   is not available.
 *
 * @example This process's standard input
 * ```ts
 * import { pipeOf } from "./process_group.ts";
 * const pipe = await pipeOf(Deno.pid, 0);
 * console.assert(pipe === undefined || pipe.startsWith("pipe:"));
 * ```
 */
export async function pipeOf(pid: number, fd: number): Promise<string | undefined> {
  try {
    const target = await Deno.readLink(`/proc/${pid}/fd/${fd}`);
    return target.startsWith("pipe:") ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the processes (other than this one) that hold one of the given pipes open: e.g. a daemon
 * a cell forked off into a session of its own, which keeps the driver's stderr open.
 *
 * @param pipes Pipe identities from {@linkcode pipeOf}.
 * @returns The pids holding one of them; empty where `/proc` is not available.
 *
 * @example Nobody holds an unknown pipe
 * ```ts
 * import { findPipeHolders } from "./process_group.ts";
 * console.assert((await findPipeHolders(["pipe:[0]"])).length === 0);
 * ```
 */
export async function findPipeHolders(pipes: string[]): Promise<number[]> {
  const wanted = new Set(pipes);
  const holders: number[] = [];
  if (wanted.size === 0) return holders;
  try {
    for await (const proc of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(proc.name) || Number(proc.name) === Deno.pid) continue;
      try {
        for await (const fd of Deno.readDir(`/proc/${proc.name}/fd`)) {
          if (wanted.has(await Deno.readLink(`/proc/${proc.name}/fd/${fd.name}`).catch(() => ""))) {
            holders.push(Number(proc.name));
            break;
          }
        }
      } catch {
        // Gone, or another user's process.
      }
    }
  } catch {
    // No /proc.
  }
  return holders;
}
