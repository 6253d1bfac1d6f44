/**
 * Shared test helpers: temporary folders and running `cli.ts` as a real subprocess.
 *
 * @module
 */
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");

/** A temporary folder removed when the test scope ends (`await using dir = await tempDir()`). */
/**
 * The browser the website tests drive: `$PYNB_BROWSER` when set (on GitHub's Ubuntu runners,
 * their Google Chrome; see `.ci/run`), else Debian's Chromium.
 */
export const BROWSER_PATH: string = Deno.env.get("PYNB_BROWSER") || "/usr/bin/chromium";

export interface TempDir extends AsyncDisposable {
  /** Absolute path of the folder. */
  path: string;
}

/**
 * Creates a temporary folder that is removed with everything in it at the end of the scope.
 *
 * @param prefix Name prefix of the folder.
 * @returns The folder, to be held with `await using`.
 */
export async function tempDir(prefix = "pynb-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** What a finished subprocess printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode runCliProcess}. */
export interface RunCliOptions {
  /**
   * Deno permission flags for the subprocess.
   * @default ["--allow-read"]
   */
  flags?: string[];
  /** Working directory. @default the repository root */
  cwd?: string;
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
  /** Entry point: a path or an URL. @default the repository's `cli.ts` */
  entry?: string;
}

/**
 * Runs `cli.ts` in a new Deno process under exactly the given permission flags.
 *
 * @param args Command line arguments after `cli.ts`.
 * @param options Flags, working directory, environment.
 * @returns Exit code and output.
 */
export async function runCliProcess(
  args: string[],
  options: RunCliOptions = {},
): Promise<CliResult> {
  const flags = options.flags ?? ["--allow-read"];
  const entry = options.entry ?? `${ROOT}/cli.ts`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...flags, entry, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/**
 * Serves the repository's files read-only over loopback as `text/plain`, as a raw file host does
 * (`.git/` and paths outside the repository answer 404).
 *
 * @param requested Collects each path served, so a test can tell what was fetched.
 * @returns The server, to be held with `await using`.
 */
export function serveRepository(requested: Set<string>): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = normalize(`${ROOT}${path}`);
    if (!file.startsWith(`${ROOT}/`) || file.includes("/.git/")) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(file);
      requested.add(path);
      return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/**
 * Pids of live processes whose environment names this run (kernels, drivers, their children), read
 * from `/proc`: a test asserts none is left after a run ends or is killed.
 *
 * @param runId The run id (`PYNB_RUN_ID` in the processes' environment).
 * @returns Each live process's pid and command line.
 */
export async function processesOfRun(runId: string): Promise<{ pid: number; cmd: string }[]> {
  const found: { pid: number; cmd: string }[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const env = await Deno.readTextFile(`/proc/${entry.name}/environ`);
      if (!env.split("\0").includes(`PYNB_RUN_ID=${runId}`)) continue;
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmd = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).replaceAll("\0", " ");
      found.push({ pid: Number(entry.name), cmd });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** The demo pipeline's folder. */
export const DEMO_DIR: string = join(ROOT, "examples", "mnist-digits-demo-pipeline");

/** The matrix values of the demo's faster copy made by {@linkcode smallDemo}. */
export const SMALL_MATRIX: readonly number[] = [600, 1200];

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile) await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/**
 * Copies the demo pipeline into `dir/name` with a two-value matrix (eight instances instead of
 * twelve) and returns the copy's pipeline file.
 */
export async function smallDemo(dir: string, name = "pipeline"): Promise<string> {
  const copy = join(dir, name);
  await copyDir(DEMO_DIR, copy);
  const file = join(copy, "pipeline.yaml");
  const text = await Deno.readTextFile(file);
  const values = `[${SMALL_MATRIX.join(", ")}]`;
  const small = text.replaceAll("[600, 800, 1000, 1200]", values);
  if (small.split(values).length - 1 !== 2) {
    throw new Error(`the demo's two matrices were not found in ${file}`);
  }
  await Deno.writeTextFile(file, small);
  return file;
}

/**
 * Waits until a process of run `runId` whose command line starts with `command` is alive (a cell
 * got that far). Throws, after killing `child`, when the runner exits first or 180 s pass.
 */
export async function waitForProcessOfRun(
  child: Deno.ChildProcess,
  runId: string,
  command: string,
): Promise<void> {
  let exited = false;
  child.status.finally(() => exited = true);
  const deadline = Date.now() + 180_000;
  while (!(await processesOfRun(runId)).some((p) => p.cmd.startsWith(command))) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      await child.status;
      throw new Error(`no '${command}' of run ${runId} ever started`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
