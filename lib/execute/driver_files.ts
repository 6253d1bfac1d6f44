/**
 * Locates the Python files shipped with the runner: `driver.py` with its modules (the kernel fork
 * server, the process reaper) and the notebook module `pynb_dag_runner.py`. In a checkout they are
 * read in place; when `cli.ts` runs from an URL they are fetched next to this module and written
 * to a temporary folder once per process. {@linkcode spawnDriverChild} starts the driver, for the
 * one-attempt driver process and the persistent (fork server) driver alike.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { makeScratchDir } from "./scratch.ts";

/** Where the Python files are on the local disk. */
export interface DriverFiles {
  /** Path of `driver.py`. */
  driver: string;
  /** Folder holding `pynb_dag_runner.py`, put on the kernel's `PYTHONPATH`. */
  moduleDir: string;
}

/** The Python files could not be found or downloaded. */
export class DriverFilesError extends Error {
  /**
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverFilesError";
  }
}

const DRIVER = "driver.py";
const MODULE = "python/pynb_dag_runner.py";
/** The original pynb-dag-runner's notebook API, a sub-package of the module (`compat:`). */
const COMPAT_MODULES = [
  "python/pynb_dag_runner_compat/tasks/__init__.py",
  "python/pynb_dag_runner_compat/tasks/task_opentelemetry_logging.py",
];
/** The driver's own modules, imported from its folder. */
const DRIVER_MODULES = [
  "driver_run.py",
  "fork_kernel.py",
  "kernel_child.py",
  "kernel_quirks.py",
  "reaper.py",
  "zygote.py",
  "zygote_client.py",
];
const cache = new Map<string, Promise<DriverFiles>>();

// Loaded as text modules, through the module loader that loaded this one: a script run from a
// URL needs no --allow-net for the files shipped next to it.
async function fetchText(url: URL): Promise<string> {
  try {
    const text: { default: string } = await import(url.href, { with: { type: "text" } });
    return text.default;
  } catch (err) {
    // The loader's message names no HTTP status; where the network is granted, ask again.
    const status = await fetch(url).then(async (r) => {
      await r.body?.cancel();
      return r.ok ? undefined : `HTTP ${r.status}`;
    }, () => undefined);
    throw new DriverFilesError(`Cannot download '${url}': ${status ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

async function download(base: URL): Promise<DriverFiles> {
  const names = [DRIVER, MODULE, ...COMPAT_MODULES, ...DRIVER_MODULES];
  const texts = await Promise.all(names.map((name) => fetchText(new URL(name, base))));
  const dir = await makeScratchDir("pynb-dag-runner-py-");
  const files = { driver: join(dir, DRIVER), moduleDir: join(dir, "python") };
  await Deno.mkdir(join(files.moduleDir, "pynb_dag_runner_compat", "tasks"), { recursive: true });
  await Promise.all(names.map((name, i) => Deno.writeTextFile(join(dir, name), texts[i]!)));
  return files;
}

/**
 * Returns the local paths of `driver.py` and of the folder of `pynb_dag_runner.py`, downloading
 * them first when this module was loaded from `http(s):`. Cached per process.
 *
 * @param base URL of this folder (for tests). @default the folder of this module
 * @returns The paths.
 * @throws {DriverFilesError} When the files cannot be downloaded.
 *
 * @example Locating the driver in a checkout
 * ```ts
 * import { driverFiles } from "./driver_files.ts";
 * const files = await driverFiles();
 * console.assert(files.driver.endsWith("driver.py"));
 * ```
 */
export function driverFiles(base: URL = new URL("./", import.meta.url)): Promise<DriverFiles> {
  if (base.protocol === "file:") {
    const driver = fileURLToPath(new URL(DRIVER, base));
    return Promise.resolve({ driver, moduleDir: dirname(fileURLToPath(new URL(MODULE, base))) });
  }
  let files = cache.get(base.href);
  if (files === undefined) {
    files = download(base).catch((err) => {
      cache.delete(base.href);
      throw err;
    });
    cache.set(base.href, files);
  }
  return files;
}

/**
 * Starts a driver command in `cwd` with exactly `env` (nothing inherited) and piped stdin, stdout
 * and stderr: how both the one-attempt driver and the persistent driver start.
 *
 * @param argv The command and its arguments.
 * @param options Working directory and environment.
 * @returns The child process.
 * @throws {Deno.errors.NotFound} (or another `Deno.errors` class) When the command cannot be
 *   started.
 *
 * @example A child with nothing inherited
 * ```ts
 * import { spawnDriverChild } from "./driver_files.ts";
 * const child = spawnDriverChild([Deno.execPath(), "eval", "console.log(Deno.env.get('X'))"], {
 *   cwd: ".",
 *   env: { X: "only this" },
 * });
 * await child.stdin.close();
 * const out = await child.output();
 * console.assert(new TextDecoder().decode(out.stdout).trim() === "only this");
 * ```
 */
export function spawnDriverChild(
  argv: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): Deno.ChildProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError("Cannot start a driver: the command is empty");
  return new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
