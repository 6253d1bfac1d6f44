/**
 * What every local attempt runner prepares the same way, spawned (`runAttempt`) or forked
 * (`ForkServer`): absolute paths, the kernel's environment, a shared scratch folder and a capped
 * `stderr.txt` writer.
 *
 * @module
 */
import { join, resolve as resolvePath } from "node:path";
import { ATTEMPT_LAYOUT } from "../log/layout.ts";
import type { AttemptRequest } from "./attempt.ts";
import { type AttemptResult, cancelledBeforeStart } from "./attempt_outcome.ts";
import { type DriverFiles, driverFiles } from "./driver_files.ts";
import { makeScratchDir } from "./scratch.ts";

/** `stderr.txt` stops growing past this size. */
const STDERR_LIMIT_BYTES = 10 * 1024 * 1024;

/** Variables of the CI runner itself that a notebook never needs (unless the task sets them). */
const RUNNER_ONLY_ENV = [
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_CACHE_URL",
  "ACTIONS_RESULTS_URL",
  "ACTIONS_RUNTIME_URL",
];

let scratch: Promise<string> | undefined;

/**
 * A temporary folder per runner process for caches shared by kernels (matplotlib fonts) and the
 * attempts' runtime folders.
 *
 * @returns The folder, created on first use.
 *
 * @example The same folder for every attempt
 * ```ts
 * import { attemptScratchDir } from "./attempt_setup.ts";
 * console.assert(await attemptScratchDir() === await attemptScratchDir());
 * ```
 */
export function attemptScratchDir(): Promise<string> {
  scratch ??= makeScratchDir("pynb-dag-runner-");
  return scratch;
}

/**
 * The request with every path absolute: the driver and the kernel run in `workDir`, so no path
 * they get may depend on the runner's working folder. (Resolved against `Deno.cwd()` explicitly:
 * node:path's own notion of the cwd can be stale.)
 *
 * @param request The attempt as asked.
 * @returns The same attempt with absolute paths.
 *
 * @example
 * ```ts
 * import { resolveRequest } from "./attempt_setup.ts";
 * const r = resolveRequest({
 *   python: "python3", notebookPath: "a.ipynb", outputNotebookPath: "o/a.ipynb",
 *   attemptDir: "o", workDir: ".", kernel: "python3", timeoutSeconds: 1,
 *   context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 },
 * });
 * console.assert(r.notebookPath.startsWith("/") && r.python === "python3");
 * ```
 */
export function resolveRequest(request: AttemptRequest): AttemptRequest {
  const cwd = Deno.cwd();
  const resolve = (path: string) => resolvePath(cwd, path);
  return {
    ...request,
    python: request.python.includes("/") ? resolve(request.python) : request.python,
    notebookPath: resolve(request.notebookPath),
    outputNotebookPath: resolve(request.outputNotebookPath),
    attemptDir: resolve(request.attemptDir),
    workDir: resolve(request.workDir),
    ...(request.upstreamFile === undefined ? {} : { upstreamFile: resolve(request.upstreamFile) }),
  };
}

/**
 * The kernel's whole environment: the runner's (without the CI runner's own tokens), the folders
 * of the attempt, the task's `env`, `PYTHONPATH` with the `pynb_dag_runner` module, and the
 * attempt's `PYNB_*` context.
 *
 * @param request The attempt (paths absolute).
 * @param moduleDir Folder of `pynb_dag_runner.py`.
 * @param runtimeDir The attempt's runtime folder (connection file, IPython folder).
 * @param scratch The shared scratch folder ({@linkcode attemptScratchDir}).
 * @returns The environment.
 *
 * @example
 * ```ts
 * import { kernelEnv } from "./attempt_setup.ts";
 * const env = kernelEnv({
 *   python: "python3", notebookPath: "/a.ipynb", outputNotebookPath: "/o/a.ipynb",
 *   attemptDir: "/o", workDir: "/", kernel: "python3", timeoutSeconds: 1, env: { A: "1" },
 *   context: { runId: "r", taskId: "t", instanceId: "t", attempt: 2 },
 * }, "/m", "/rt", "/s");
 * console.assert(env.A === "1" && env.PYNB_ATTEMPT === "2" && env.PYTHONPATH?.startsWith("/m"));
 * ```
 */
export function kernelEnv(
  request: AttemptRequest,
  moduleDir: string,
  runtimeDir: string,
  scratch: string,
): Record<string, string> {
  // Kernels inherit the runner's environment: notebooks need e.g. credentials for their data.
  // Nothing of it is logged.
  const env = Deno.env.toObject();
  for (const name of RUNNER_ONLY_ENV) delete env[name];
  const path = (extra: string | undefined) => extra ? `${moduleDir}:${extra}` : moduleDir;
  Object.assign(env, {
    JUPYTER_RUNTIME_DIR: runtimeDir,
    IPYTHONDIR: join(runtimeDir, "ipython"),
    MPLCONFIGDIR: join(scratch, "matplotlib"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONIOENCODING: env.PYTHONIOENCODING ?? "utf-8",
    // No PYTHONPYCACHEPREFIX: with one, Python ignores the installed __pycache__ folders and
    // compiles Jupyter, IPython and every import again, on every run (and on every kernel start
    // where PYTHONDONTWRITEBYTECODE is set): 2.8x slower for an empty notebook.
  });
  Object.assign(env, request.env ?? {});
  env.PYTHONPATH = path(request.env?.PYTHONPATH ?? env.PYTHONPATH);
  env.PYNB_ATTEMPT_DIR = request.attemptDir;
  env.PYNB_RUN_ID = request.context.runId;
  env.PYNB_TASK_ID = request.context.taskId;
  env.PYNB_INSTANCE_ID = request.context.instanceId;
  env.PYNB_ATTEMPT = String(request.context.attempt);
  if (request.upstreamFile !== undefined) env.PYNB_UPSTREAM_FILE = request.upstreamFile;
  else delete env.PYNB_UPSTREAM_FILE;
  return env;
}

/**
 * Writes the attempt's `stderr.txt`, up to 10 MB (then one line saying it was truncated).
 *
 * @param file The open `stderr.txt`.
 * @returns The writer.
 *
 * @example
 * ```ts
 * import { cappedWriter } from "./attempt_setup.ts";
 * const path = await Deno.makeTempFile();
 * using file = await Deno.open(path, { write: true });
 * await cappedWriter(file)(new TextEncoder().encode("hello\n"));
 * console.assert(await Deno.readTextFile(path) === "hello\n");
 * ```
 */
export function cappedWriter(file: Deno.FsFile): (chunk: Uint8Array) => Promise<void> {
  let bytes = 0;
  return async (chunk) => {
    if (bytes >= STDERR_LIMIT_BYTES) return;
    bytes += chunk.length;
    await file.write(chunk);
    if (bytes >= STDERR_LIMIT_BYTES) {
      await file.write(new TextEncoder().encode("\n[stderr.txt truncated at 10 MB]\n"));
    }
  };
}

/** What {@linkcode withAttemptFiles} opens for an attempt. */
export interface AttemptFiles {
  /** The attempt's `stderr.txt`, opened and truncated. */
  stderrFile: Deno.FsFile;
  /** The driver and the Python module the kernel imports. */
  files: DriverFiles;
  /** The scratch folder shared by the runner's kernels. */
  shared: string;
  /** The attempt's own runtime folder under `shared`, removed afterwards. */
  runtimeDir: string;
}

/**
 * Opens the attempt's `stderr.txt` and a runtime folder, runs `body`, then closes the file and
 * removes the folder, however `body` ended. An attempt cancelled before it started is recorded
 * as such, without running `body`.
 *
 * @param request The attempt, its paths resolved.
 * @param startedAt When the attempt started.
 * @param body What runs the driver.
 * @returns What `body` returns, or a cancelled result.
 *
 * @example Cancelled before it started
 * ```ts
 * import { withAttemptFiles } from "./attempt_setup.ts";
 * const attemptDir = await Deno.makeTempDir();
 * const signal = AbortSignal.abort();
 * const result = await withAttemptFiles(
 *   { notebookPath: "nb.ipynb", outputNotebookPath: "out.ipynb", attemptDir, signal,
 *     workDir: ".", kernel: "python3", timeoutSeconds: 1, python: "python3",
 *     context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 } },
 *   new Date(),
 *   () => Promise.reject(new Error("not reached")),
 * );
 * console.assert(result.status === "cancelled");
 * await Deno.remove(attemptDir, { recursive: true });
 * ```
 */
export async function withAttemptFiles(
  request: AttemptRequest,
  startedAt: Date,
  body: (opened: AttemptFiles) => Promise<AttemptResult>,
): Promise<AttemptResult> {
  const stderrFile = await Deno.open(join(request.attemptDir, ATTEMPT_LAYOUT.stderr), {
    write: true,
    create: true,
    truncate: true,
  });
  let runtimeDir: string | undefined;
  try {
    if (request.signal?.aborted) return cancelledBeforeStart(startedAt, new Date());
    const files = await driverFiles();
    const shared = await attemptScratchDir();
    runtimeDir = await Deno.makeTempDir({ dir: shared, prefix: "attempt-" });
    return await body({ stderrFile, files, shared, runtimeDir });
  } finally {
    stderrFile.close();
    if (runtimeDir !== undefined) {
      await Deno.remove(runtimeDir, { recursive: true }).catch(() => {});
    }
  }
}
