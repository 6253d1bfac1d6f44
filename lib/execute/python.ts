/**
 * Finds a Python interpreter that can run notebooks: one that imports `nbclient` and `ipykernel`.
 *
 * Order: the `--python` flag, then the `PYNB_PYTHON` environment variable, then `python3` and
 * `python` in every folder of `PATH` (not only the first: a pyenv shim often hides the system
 * Python), the active virtualenv or conda environment, and the usual system places.
 *
 * @module
 */
import { delimiter, isAbsolute, join, resolve as resolvePath } from "node:path";
import { z } from "../../deps.ts";
import { UserError } from "../errors.ts";
import { cachedDetection, storeDetection } from "./python_cache.ts";

/** An interpreter that can run notebooks. */
export interface PythonInfo {
  /** Absolute path of the interpreter, as found (virtualenv symlinks are kept). */
  path: string;
  /** Python version, e.g. `3.11.2`. */
  version: string;
  /** nbclient version. */
  nbclient: string;
  /** ipykernel version. */
  ipykernel: string;
  /** The full `sys.version` (build date and compiler too), for cache keys. */
  build: string;
  /**
   * The command line (`argv`) of every kernel spec found in Jupyter's data folders, by kernel
   * name; `python3` is ipykernel's own when no `kernel.json` names it. For cache keys.
   */
  kernelSpecs: Record<string, string[]>;
}

/** Options of {@linkcode detectPython}. */
export interface DetectPythonOptions {
  /**
   * The interpreter chosen by the user (`--python`): used alone, never replaced by another.
   * @default the `PYNB_PYTHON` environment variable, else a search
   */
  python?: string;
}

/** No interpreter able to run notebooks was found, or the chosen one cannot. */
export class PythonNotFoundError extends UserError {
  /** Every interpreter tried, with why it was rejected. */
  tried: { path: string; problem: string }[];
  /**
   * @param message What is missing and how to install it.
   * @param tried The interpreters tried.
   */
  constructor(message: string, tried: { path: string; problem: string }[]) {
    super(message);
    this.name = "PythonNotFoundError";
    this.tried = tried;
  }
}

const INSTALL_HELP =
  "Install them with `sudo apt-get install python3-nbclient python3-ipykernel` " +
  "(Debian, Ubuntu) or `python3 -m pip install nbclient ipykernel` (pip, in a virtualenv), " +
  "or point --python (or PYNB_PYTHON) at an interpreter that has them.";

// Finds the packages and reads their versions from their metadata, without importing them: an
// import of nbclient and ipykernel costs 0.4 s, paid before every run's first notebook. A package
// without metadata is imported.
const PROBE = `
import importlib.metadata, importlib.util, json, sys
info = {"version": sys.version.split()[0]}
missing = []
for name in ("nbclient", "ipykernel"):
    try:
        if importlib.util.find_spec(name) is None:
            raise ModuleNotFoundError(f"No module named '{name}'")
        try:
            info[name] = importlib.metadata.version(name)
        except Exception:
            info[name] = getattr(__import__(name), "__version__", "unknown")
    except Exception as err:
        missing.append(f"{name} ({type(err).__name__}: {err})")
info["missing"] = missing
info["build"] = sys.version
# Kernel specs read here, not through jupyter_client's KernelSpecManager (half a second of
# imports): a kernel without a kernel.json of its own is ipykernel's python3 on sys.executable.
specs = {}
try:
    import os
    from jupyter_core.paths import jupyter_path
    for folder in jupyter_path("kernels"):
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            try:
                with open(os.path.join(folder, name, "kernel.json"), encoding="utf-8") as f:
                    argv = json.load(f).get("argv")
            except (OSError, ValueError):
                continue
            if isinstance(argv, list) and name not in specs:
                specs[name] = [str(a) for a in argv]
except Exception:
    pass
specs.setdefault("python3", [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])
info["kernelSpecs"] = specs
# What the answer depends on, for the runner's detection cache (python_cache.ts).
watch = [sys.executable, *(p for p in sys.path if p and os.path.isdir(p))]
try:
    for folder in jupyter_path("kernels"):
        watch.append(folder)
        if os.path.isdir(folder):
            watch += [os.path.join(folder, n, "kernel.json") for n in sorted(os.listdir(folder))]
except Exception:
    pass
info["watch"] = watch
print(json.dumps(info))
`;

const ProbeSchema = z.object({
  version: z.string(),
  nbclient: z.string().optional(),
  ipykernel: z.string().optional(),
  missing: z.array(z.string()),
  build: z.string().optional(),
  kernelSpecs: z.record(z.string(), z.array(z.string())).optional(),
  watch: z.array(z.string()).optional(),
});

/** A cached detection, checked again when read back. */
const InfoSchema = z.object({
  path: z.string(),
  version: z.string(),
  nbclient: z.string(),
  ipykernel: z.string(),
  build: z.string(),
  kernelSpecs: z.record(z.string(), z.array(z.string())),
});

/** An absolute path, against Deno.cwd() (node:path's own idea of the cwd can be stale). */
function resolve(...paths: string[]): string {
  return resolvePath(Deno.cwd(), ...paths);
}

function env(name: string): string | undefined {
  try {
    // Queried first: a variable outside a scoped --allow-env must not prompt.
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined; // no --allow-env for this name
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Interpreters to try, in order, without duplicates. */
async function candidates(): Promise<string[]> {
  const list: string[] = [];
  for (const folder of [env("VIRTUAL_ENV"), env("CONDA_PREFIX")]) {
    if (folder) list.push(join(folder, "bin", "python3"), join(folder, "bin", "python"));
  }
  const path = env("PATH") ?? "";
  for (const name of ["python3", "python"]) {
    for (const folder of path.split(delimiter)) if (folder) list.push(join(folder, name));
  }
  list.push(
    "/usr/bin/python3",
    "/usr/local/bin/python3",
    "/opt/homebrew/bin/python3",
    "/opt/conda/bin/python3",
  );
  const unique = [...new Set(list.map((p) => resolve(p)))];
  const existing: string[] = [];
  for (const p of unique) if (await isFile(p)) existing.push(p);
  return existing;
}

/**
 * Runs the probe; returns the interpreter's info, or why it cannot run notebooks. Adds what the
 * answer depends on to `watch`.
 */
async function probe(path: string, watch: string[]): Promise<PythonInfo | string> {
  watch.push(path);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(path, {
      args: ["-c", PROBE],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return `cannot be started (${(err as Error).message})`;
  }
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
  let parsed;
  try {
    parsed = ProbeSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1) ?? "";
    return `is not a working Python 3 (exit code ${output.code}${stderr ? `: ${stderr}` : ""})`;
  }
  const info = parsed.data;
  watch.push(...info.watch ?? []);
  if (info.missing.length > 0 || !info.nbclient || !info.ipykernel) {
    return `(Python ${info.version}) cannot import ${
      info.missing.map((m) => m.split(" ")[0]).join(" and ")
    }`;
  }
  return {
    path,
    version: info.version,
    nbclient: info.nbclient,
    ipykernel: info.ipykernel,
    build: info.build ?? info.version,
    kernelSpecs: info.kernelSpecs ?? {},
  };
}

async function resolveExplicit(python: string): Promise<string> {
  if (python.includes("/") || isAbsolute(python)) return resolve(python);
  for (const folder of (env("PATH") ?? "").split(delimiter)) {
    if (folder && await isFile(join(folder, python))) return resolve(folder, python);
  }
  return python;
}

const cache = new Map<string, Promise<PythonInfo>>();

/** The detection as asked here and now: the flag or variable, and what a search depends on. */
function detectionKey(explicit: string | undefined, source: string): string {
  const vars = ["PATH", "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION", "JUPYTER_PATH"];
  return JSON.stringify([source, explicit ?? "", Deno.cwd(), ...vars.map((v) => env(v) ?? "")]);
}

/** A detection from the cache when nothing it read changed, else a fresh one, stored. */
async function detectCached(explicit: string | undefined, source: string): Promise<PythonInfo> {
  let key: string | undefined;
  try {
    key = detectionKey(explicit, source);
  } catch {
    key = undefined; // no cwd: no cache
  }
  if (key !== undefined) {
    const hit = InfoSchema.safeParse(cachedDetection(key));
    if (hit.success) return hit.data;
  }
  const watch: string[] = [];
  const info = await detect(explicit, source, watch);
  if (key !== undefined) storeDetection(key, info, watch);
  return info;
}

async function detect(
  explicit: string | undefined,
  source: string,
  watch: string[],
): Promise<PythonInfo> {
  if (explicit !== undefined) {
    const path = await resolveExplicit(explicit);
    const result = await probe(path, watch);
    if (typeof result !== "string") return result;
    throw new PythonNotFoundError(
      `Cannot use the Python interpreter '${explicit}' given by ${source}: it ${result}. ` +
        `Notebooks need the Python packages nbclient and ipykernel. ${INSTALL_HELP}`,
      [{ path, problem: result }],
    );
  }
  const tried: { path: string; problem: string }[] = [];
  // A python3 that appears in a folder of PATH changes the folder.
  watch.push(
    ...(env("PATH") ?? "").split(delimiter).filter((f) => f !== "").map((f) => resolve(f)),
  );
  for (const path of await candidates()) {
    const result = await probe(path, watch);
    if (typeof result !== "string") return result;
    tried.push({ path, problem: result });
  }
  const list = tried.length > 0
    ? ` Tried: ${tried.map((t) => `'${t.path}' ${t.problem}`).join("; ")}.`
    : " No python3 or python was found on PATH.";
  throw new PythonNotFoundError(
    `Cannot find a Python interpreter that can run notebooks: none has the Python packages ` +
      `nbclient and ipykernel.${list} ${INSTALL_HELP}`,
    tried,
  );
}

/**
 * Finds the Python interpreter to run notebooks with: `options.python` (the `--python` flag),
 * else `PYNB_PYTHON`, else the first interpreter on the machine that imports nbclient and
 * ipykernel. The result is cached per process, and across runs while the interpreters probed,
 * their package folders and the kernel specs are unchanged (`python_cache.ts`).
 *
 * @param options The interpreter chosen by the user, if any.
 * @returns The interpreter's path and the versions of Python, nbclient and ipykernel.
 * @throws {PythonNotFoundError} When the chosen interpreter lacks nbclient or ipykernel, or no
 *   interpreter has them; the message gives the apt and pip commands.
 *
 * @example Finding the interpreter
 * ```ts ignore
 * import { detectPython } from "./python.ts";
 * const python = await detectPython();
 * console.log(`${python.path}: Python ${python.version}, nbclient ${python.nbclient}`);
 * ```
 */
export function detectPython(options: DetectPythonOptions = {}): Promise<PythonInfo> {
  const fromEnv = env("PYNB_PYTHON");
  const [explicit, source] = options.python !== undefined
    ? [options.python, "--python"]
    : fromEnv
    ? [fromEnv, "the PYNB_PYTHON environment variable"]
    : [undefined, ""];
  const key = `${source}\0${explicit ?? ""}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = detectCached(explicit, source);
    // A failure is not cached: the user may install the packages and retry in the same process.
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}
