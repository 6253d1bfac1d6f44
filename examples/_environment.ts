/**
 * What the demo needs from the machine, and how to get it: a Python interpreter with Jupyter
 * (nbclient, ipykernel), scikit-learn and matplotlib.
 *
 * Finding an interpreter and deciding how to install what is missing are kept apart: the probe
 * runs processes, the install plan is pure data, so both are easy to test.
 *
 * @module
 */
import { delimiter, join } from "node:path";

/** A Python module the demo imports, with the package that provides it on Debian and on PyPI. */
export interface PythonRequirement {
  /** Import name. */
  module: string;
  /** Debian package. */
  debian: string;
  /** PyPI distribution. */
  pip: string;
}

/** Every Python module the demo pipeline (runner driver and notebooks) imports. */
export const DEMO_REQUIREMENTS: readonly PythonRequirement[] = [
  { module: "nbclient", debian: "python3-nbclient", pip: "nbclient" },
  { module: "nbformat", debian: "python3-nbformat", pip: "nbformat" },
  { module: "jupyter_client", debian: "python3-jupyter-client", pip: "jupyter_client" },
  { module: "ipykernel", debian: "python3-ipykernel", pip: "ipykernel" },
  { module: "numpy", debian: "python3-numpy", pip: "numpy" },
  { module: "sklearn", debian: "python3-sklearn", pip: "scikit-learn" },
  { module: "joblib", debian: "python3-joblib", pip: "joblib" },
  { module: "matplotlib", debian: "python3-matplotlib", pip: "matplotlib" },
];

/** The oldest Python the runner's driver and `pynb_dag_runner` module support. */
export const MIN_PYTHON: readonly [number, number] = [3, 8];

/** What a Python interpreter offers. */
export interface PythonProbe {
  /** The command it was found as (a name on PATH or a path). */
  command: string;
  /** `sys.executable`: the interpreter's absolute path. */
  executable: string;
  /** `major.minor.micro`. */
  version: string;
  /** Required modules it cannot import. */
  missing: string[];
  /** Whether it can create a virtual environment with pip (`venv` and `ensurepip`). */
  canCreateVenv: boolean;
}

const PROBE_SCRIPT = `
import importlib.util, json, sys
def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
print(json.dumps({
    "executable": sys.executable,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "missing": [m for m in sys.argv[1:] if not has(m)],
    "canCreateVenv": has("venv") and has("ensurepip"),
}))
`;

/**
 * Asks one interpreter which of the demo's modules it lacks (without importing them: fast).
 *
 * @param command A name on PATH or a path.
 * @returns What it offers, or `undefined` when it does not run or is not Python 3.
 *
 * @example Probing an interpreter
 * ```ts ignore
 * import { probePython } from "./_environment.ts";
 * const probe = await probePython("python3");
 * console.log(probe?.missing);
 * ```
 */
export async function probePython(command: string): Promise<PythonProbe | undefined> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args: ["-I", "-c", PROBE_SCRIPT, ...DEMO_REQUIREMENTS.map((r) => r.module)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
  } catch {
    return undefined;
  }
  if (!output.success) return undefined;
  try {
    const data = JSON.parse(new TextDecoder().decode(output.stdout));
    const [major = 0, minor = 0] = String(data.version).split(".").map(Number);
    if (major !== MIN_PYTHON[0] || minor < MIN_PYTHON[1]) return undefined;
    return {
      command,
      executable: String(data.executable),
      version: String(data.version),
      missing: Array.isArray(data.missing) ? data.missing.map(String) : [],
      canCreateVenv: data.canCreateVenv === true,
    };
  } catch {
    return undefined;
  }
}

/**
 * Lists the Python interpreters to try, best first: an explicit choice, the demo's own virtual
 * environment, then every `python3` and `python` on PATH in PATH order (not only the first: a
 * version manager's shim often shadows the system Python that has Jupyter installed).
 *
 * @param options Explicit interpreter, PATH value, the demo's virtual environment folder.
 * @returns Commands or paths, without duplicates.
 *
 * @example Candidates from a PATH
 * ```ts
 * import { pythonCandidates } from "./_environment.ts";
 * const list = pythonCandidates({ path: "/opt/bin:/usr/bin", venv: ".venv" });
 * console.assert(list[0] === ".venv/bin/python");
 * console.assert(list.includes("/usr/bin/python3"));
 * ```
 */
export function pythonCandidates(
  options: { explicit?: string | undefined; path?: string | undefined; venv?: string | undefined },
): string[] {
  const list: string[] = [];
  if (options.explicit) list.push(options.explicit);
  if (options.venv) {
    list.push(
      Deno.build.os === "windows"
        ? join(options.venv, "Scripts", "python.exe")
        : join(options.venv, "bin", "python"),
    );
  }
  for (const dir of (options.path ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const name of ["python3", "python"]) list.push(join(dir, name));
  }
  return [...new Set(list)];
}

/**
 * Finds the first interpreter that has every module of {@linkcode DEMO_REQUIREMENTS}.
 *
 * @param candidates Commands or paths, best first (see {@linkcode pythonCandidates}).
 * @returns `found` when one has everything; else every Python 3 found, for the install step.
 *
 * @example Looking for a ready interpreter
 * ```ts ignore
 * import { findPython, pythonCandidates } from "./_environment.ts";
 * const { found } = await findPython(pythonCandidates({ path: Deno.env.get("PATH") }));
 * ```
 */
export async function findPython(
  candidates: string[],
): Promise<{ found: PythonProbe | undefined; others: PythonProbe[] }> {
  const others: PythonProbe[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const probe = await probePython(candidate);
    if (!probe || seen.has(probe.executable)) continue;
    seen.add(probe.executable);
    if (probe.missing.length === 0) return { found: probe, others };
    others.push(probe);
  }
  return { found: undefined, others };
}

/** How to install what is missing: the commands, and whether the demo may run them itself. */
export interface InstallPlan {
  /** `apt`: Debian packages into the system Python; `venv`: a project-local virtual environment. */
  kind: "apt" | "venv" | "none";
  /** The commands, each as argv. */
  commands: string[][];
  /** True when running them is safe without asking (root on Debian, or a project-local venv). */
  automatic: boolean;
  /** Why there is no automatic plan, for the message. */
  note?: string;
}

/** Facts about the machine that decide how to install Python packages. */
export interface MachineFacts {
  /** Effective user id is 0. */
  isRoot: boolean;
  /** `/etc/debian_version` exists and `apt-get` is on PATH. */
  hasApt: boolean;
  /** An interpreter that can create a venv with pip, if any. */
  venvPython?: string | undefined;
  /** Folder of the demo's virtual environment. */
  venvDir: string;
}

/**
 * Decides how to install the missing modules: Debian packages when running as root on Debian
 * (the packages are built for the system Python), else a virtual environment with pip in the
 * project (touches nothing outside it), else the command to run by hand.
 *
 * @param missing Import names of the missing modules.
 * @param facts What the machine offers.
 * @returns The plan.
 *
 * @example Planning on a Debian machine as root
 * ```ts
 * import { planInstall } from "./_environment.ts";
 * const plan = planInstall(["sklearn"], { isRoot: true, hasApt: true, venvDir: ".venv" });
 * console.assert(plan.kind === "apt" && plan.automatic);
 * console.assert(plan.commands.at(-1)?.includes("python3-sklearn"));
 * ```
 */
export function planInstall(missing: string[], facts: MachineFacts): InstallPlan {
  const needed = DEMO_REQUIREMENTS.filter((r) => missing.includes(r.module));
  if (needed.length === 0) return { kind: "none", commands: [], automatic: false };
  if (facts.hasApt) {
    const install = [
      "apt-get",
      "install",
      "-y",
      "--no-install-recommends",
      ...new Set(DEMO_REQUIREMENTS.map((r) => r.debian)),
    ];
    const commands = [["apt-get", "update"], install];
    if (facts.isRoot) return { kind: "apt", commands, automatic: true };
    if (!facts.venvPython) {
      return {
        kind: "apt",
        commands: commands.map((c) => ["sudo", ...c]),
        automatic: false,
        note: "installing Debian packages needs root",
      };
    }
  }
  if (facts.venvPython) {
    const python = Deno.build.os === "windows"
      ? join(facts.venvDir, "Scripts", "python.exe")
      : join(facts.venvDir, "bin", "python");
    return {
      kind: "venv",
      commands: [
        [facts.venvPython, "-m", "venv", facts.venvDir],
        [python, "-m", "pip", "install", ...DEMO_REQUIREMENTS.map((r) => r.pip)],
      ],
      automatic: true,
    };
  }
  return {
    kind: "none",
    commands: [["python3", "-m", "pip", "install", ...DEMO_REQUIREMENTS.map((r) => r.pip)]],
    automatic: false,
    note: "no Python 3 with the venv module was found; install Python 3.8 or newer first",
  };
}

/**
 * Quotes argv for a POSIX shell, to print a command a user can paste.
 *
 * @param argv The command.
 * @returns One line.
 *
 * @example Quoting
 * ```ts
 * import { shellQuote } from "./_environment.ts";
 * console.assert(shellQuote(["echo", "a b"]) === "echo 'a b'");
 * ```
 */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}
