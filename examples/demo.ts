#!/usr/bin/env -S deno run --allow-read --allow-run --allow-env=PATH,PYNB_PYTHON,VIRTUAL_ENV,CONDA_PREFIX --allow-sys=uid
/**
 * `deno task demo`: the whole product on one machine with one command. Checks the environment,
 * installs what the demo's Python lacks when that is safe, runs the mnist-digits demo pipeline
 * with `cli.ts run`, builds the website into `_site/` with `cli.ts site`, and says where to
 * open it.
 *
 * Python: an interpreter named by `--python` or `PYNB_PYTHON` is used alone. Otherwise the one
 * the product itself would pick is used when it also has scikit-learn and matplotlib, else the
 * first one on PATH that has everything. When none has, the demo installs the Debian packages
 * (as root on Debian) or creates a virtual environment in the project (`.cache/demo-venv/`) with
 * pip; otherwise, or with `--no-install`, it prints the command to run and exits 2.
 *
 * Permissions: `--allow-read --allow-run --allow-sys=uid
 * --allow-env=PATH,PYNB_PYTHON,VIRTUAL_ENV,CONDA_PREFIX` (the variables that say where Python
 * is). The demo writes nothing itself: `cli.ts run` and `cli.ts site` run as subprocesses under
 * their own, narrower flags. `--allow-run` is not
 * narrowed because the interpreter is found at run time and may live anywhere.
 *
 * @example Running the demo
 * ```sh
 * npm install && npx deno task demo
 * deno task demo --no-install          # only check, print what to install
 * deno task demo --python .cache/demo-venv/bin/python --runs runs --site _site
 * ```
 *
 * @module
 */
import { delimiter, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { PythonNotFoundError, readRunFolder, UserError } from "../mod.ts";
import { detectPython } from "../lib/execute/mod.ts";
import {
  DEMO_REQUIREMENTS,
  findPython,
  planInstall,
  pythonCandidates,
  type PythonProbe,
  shellQuote,
} from "./_environment.ts";
import { exists } from "../lib/_base/fs.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");

/** The demo pipeline file. */
export const DEMO_PIPELINE: string = join(
  ROOT,
  "examples",
  "mnist-digits-demo-pipeline",
  "pipeline.yaml",
);

/** Oldest Deno the project supports (`npm install` brings the pinned one). */
export const MIN_DENO = "2.0.0";

/** Permission flags `cli.ts run` is started with: those of `cli.ts run --help`. */
export const RUN_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
];

/** Permission flags `cli.ts site` is started with: read runs, write the site, nothing else. */
export const SITE_FLAGS: readonly string[] = ["--allow-read", "--allow-write"];

/** A step of the demo (`cli.ts run`, `cli.ts site`, an install command) exited with an error. */
export class DemoStepError extends UserError {
  /**
   * @param step What was being done.
   * @param code The exit code of the step.
   * @param message What went wrong and what to look at.
   */
  constructor(readonly step: string, readonly code: number, message: string) {
    super(message);
    this.name = "DemoStepError";
  }
}

/** Options of {@linkcode runDemo}. */
export interface DemoOptions {
  /**
   * Pipeline file to run.
   * @default the mnist-digits demo pipeline
   */
  pipeline?: string;
  /**
   * Folder of run folders; every run in it goes into the website.
   * @default "runs"
   */
  runs?: string;
  /**
   * Folder the website is written to.
   * @default "_site"
   */
  site?: string;
  /**
   * Python interpreter to use, as `cli.ts run --python`.
   * @default detected, as `cli.ts run` does, among those that have the demo's packages
   */
  python?: string;
  /**
   * Install missing Python packages when that is safe.
   * @default true
   */
  install?: boolean;
  /**
   * `name=value` parameter overrides, passed to `cli.ts run --param`.
   * @default []
   */
  params?: string[];
  /**
   * Cache folder, passed to `cli.ts run --cache`: unchanged instances are restored, not run.
   * @default no cache
   */
  cache?: string;
  /**
   * Folder of the virtual environment created when pip is the way to install.
   * @default ".cache/demo-venv" in the project (ignored by git)
   */
  venv?: string;
  /**
   * Where progress lines go.
   * @default console.error
   */
  log?: (line: string) => void;
}

/** What the demo produced. */
export interface DemoResult {
  /** The run folder of the pipeline run. */
  runFolder: string;
  /** The website folder. */
  site: string;
  /** The interpreter the notebooks ran with. */
  python: string;
  /** Exit code of `cli.ts run`: 0 every task succeeded, 1 some failed (the site shows which). */
  runCode: number;
  /** The models compared by the `summary` task, when it ran and logged them. */
  models: ModelRow[];
}

/** One row of the `models` value logged by the demo's `summary` notebook. */
export interface ModelRow {
  nr_train_images: number;
  mean_auc: number;
  test_accuracy: number;
}

/**
 * Reads the comparison of models the demo's `summary` task logged, to print it.
 *
 * @param runFolder The run folder.
 * @returns The rows, or none when the run has no such value (another pipeline, a failed run).
 *
 * @example Reading the results of a run
 * ```ts ignore
 * import { readModels } from "./demo.ts";
 * for (const row of await readModels("runs/2026-11-27T05-10-44Z-17e6")) console.log(row);
 * ```
 */
export async function readModels(runFolder: string): Promise<ModelRow[]> {
  let summary;
  try {
    ({ summary } = await readRunFolder(runFolder));
  } catch {
    return []; // the website reports an unreadable run; the demo only adds a courtesy table
  }
  const models = summary.tasks.find((t) => t.task === "summary")?.values.models;
  if (!Array.isArray(models)) return [];
  return models.flatMap((m) => {
    if (typeof m !== "object" || m === null || Array.isArray(m)) return [];
    const { nr_train_images, mean_auc, test_accuracy } = m;
    return typeof nr_train_images === "number" && typeof mean_auc === "number" &&
        typeof test_accuracy === "number"
      ? [{ nr_train_images, mean_auc, test_accuracy }]
      : [];
  });
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks that this Deno is recent enough.
 *
 * @param version A Deno version.
 * @throws {UserError} When it is older than {@linkcode MIN_DENO}.
 *
 * @example Checking the running Deno
 * ```ts
 * import { checkDeno } from "./demo.ts";
 * checkDeno(Deno.version.deno);
 * ```
 */
export function checkDeno(version: string): void {
  if (compareVersions(version, MIN_DENO) < 0) {
    throw new UserError(
      `Cannot run the demo: Deno ${version} is older than ${MIN_DENO}. Run \`npm install\` in ` +
        "the project to get the pinned Deno, then `npx deno task demo`.",
    );
  }
}

async function onPath(name: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    // A folder of PATH that cannot be read holds nothing this user can run.
    if (dir && await exists(join(dir, name)).catch(() => false)) return true;
  }
  return false;
}

async function runStep(argv: string[], step: string, env?: Record<string, string>) {
  const [cmd, ...args] = argv as [string, ...string[]];
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
      ...(env ? { env } : {}),
    }).spawn().status;
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    throw new DemoStepError(step, 127, `Cannot ${step}: '${cmd}' cannot be started (${err})`);
  }
  return status.code;
}

/**
 * Finds an interpreter with every module the demo needs, installing them when allowed and safe.
 *
 * @param options `python`, `install`, `venv` and `log` of {@linkcode DemoOptions}.
 * @returns The interpreter.
 * @throws {UserError} When none is ready and the demo may not or cannot install;
 *   the message holds the command to run.
 *
 * @example Preparing Python
 * ```ts ignore
 * import { preparePython } from "./demo.ts";
 * const python = await preparePython({ install: false });
 * console.log(python.executable, python.version);
 * ```
 */
export async function preparePython(options: DemoOptions = {}): Promise<PythonProbe> {
  const log = options.log ?? console.error;
  const venv = options.venv ?? join(ROOT, ".cache", "demo-venv");
  const modules = DEMO_REQUIREMENTS.map((r) => r.module).join(", ");
  const fromEnv = Deno.env.get("PYNB_PYTHON") || undefined;
  const explicit = options.python ?? fromEnv;
  if (explicit !== undefined) {
    // The user's choice is used alone, as `cli.ts run` does: never replaced by another.
    const source = options.python !== undefined ? "--python" : "PYNB_PYTHON";
    const { found, others } = await findPython([explicit]);
    if (found) return found;
    const probe = others[0];
    const pip = [explicit, "-m", "pip", "install", ...DEMO_REQUIREMENTS.map((r) => r.pip)];
    throw new UserError(
      probe
        ? `Cannot use the Python interpreter '${explicit}' given by ${source}: it cannot ` +
          `import ${probe.missing.join(", ")}. Install them with \`${shellQuote(pip)}\`, or ` +
          `${source === "--python" ? "leave out --python" : "unset PYNB_PYTHON"} to let the demo ` +
          "find or set up an interpreter."
        : `Cannot use the Python interpreter '${explicit}' given by ${source}: it does not ` +
          "run, or is not Python 3.8 or newer.",
    );
  }
  const candidates = async () => {
    // The product's own choice first, so the demo runs with what `cli.ts run` would use.
    const product = await detectPython().then((p) => [p.path], (err) => {
      if (err instanceof PythonNotFoundError) return [];
      throw err;
    });
    return [
      ...product,
      ...pythonCandidates({ venv, path: Deno.env.get("PATH") }),
    ];
  };
  const first = await findPython(await candidates());
  if (first.found) return first.found;

  const missing = [...new Set(first.others.flatMap((p) => p.missing))];
  const plan = planInstall(missing.length > 0 ? missing : DEMO_REQUIREMENTS.map((r) => r.module), {
    isRoot: Deno.uid() === 0,
    hasApt: await exists("/etc/debian_version") && await onPath("apt-get"),
    venvPython: first.others.find((p) => p.canCreateVenv)?.executable,
    venvDir: venv,
  });
  const found = first.others.length > 0
    ? `The Python interpreters found lack some of ${modules}: ${
      first.others.map((p) => `${p.executable} (${p.version}) lacks ${p.missing.join(", ")}`)
        .join("; ")
    }.`
    : "No Python 3.8 or newer was found on PATH.";
  const commands = plan.commands.map((c) => `  ${shellQuote(c)}`).join("\n");
  if (!plan.automatic || options.install === false) {
    throw new UserError(
      `Cannot run the demo: no Python interpreter has everything it needs. ${found}` +
        (plan.note ? ` (${plan.note}.)` : "") +
        ` Run:\n${commands}\nthen \`deno task demo\` again.`,
    );
  }
  log(`${found}\nInstalling them (${
    plan.kind === "apt" ? "Debian packages" : "pip, in " +
      display(venv)
  }):\n${commands}`);
  for (const command of plan.commands) {
    const code = await runStep(command, "install the Python packages", {
      DEBIAN_FRONTEND: "noninteractive",
    });
    if (code !== 0) {
      throw new DemoStepError(
        "install",
        code,
        `Cannot install the demo's Python packages: \`${shellQuote(command)}\` exited with ` +
          `code ${code}. Fix the problem it printed and run \`deno task demo\` again.`,
      );
    }
  }
  const second = await findPython(await candidates());
  if (second.found) return second.found;
  throw new UserError(
    `Cannot run the demo: after installing, no Python interpreter imports all of ${modules}. ` +
      `Install them by hand and run \`deno task demo\` again.`,
  );
}

async function runFolders(runs: string): Promise<string[]> {
  const folders: string[] = [];
  try {
    for await (const entry of Deno.readDir(runs)) {
      if (!entry.isDirectory) continue;
      const folder = join(runs, entry.name);
      if (await exists(join(folder, "run.json")) || await exists(join(folder, "spans.jsonl"))) {
        folders.push(folder);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return folders.sort();
}

/** Exit code of an interrupted step (128 + SIGINT), passed on as the demo's own. */
const EXIT_INTERRUPTED = 130;

async function cli(flags: readonly string[], args: string[], step: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...flags, join(ROOT, "cli.ts"), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the child too (same process group): let it stop its kernels and record the
  // run as cancelled, and wait for it, instead of leaving it behind.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  let status: Deno.CommandStatus;
  let stdout: string;
  try {
    [status, stdout] = await Promise.all([child.status, new Response(child.stdout).text()]);
  } finally {
    Deno.removeSignalListener("SIGINT", ignore);
  }
  if (status.code === EXIT_INTERRUPTED || status.signal === "SIGINT") {
    throw new DemoStepError(step, EXIT_INTERRUPTED, `Cannot ${step}: interrupted.`);
  }
  if (status.code > 1 || status.signal) {
    throw new DemoStepError(
      step,
      status.code,
      `Cannot ${step}: \`cli.ts ${args[0]}\` exited with code ${status.code} (see its message ` +
        "above).",
    );
  }
  return { code: status.code, stdout };
}

/**
 * Runs the demo end to end: environment, pipeline run, website.
 *
 * @param options Pipeline, folders, interpreter, whether to install.
 * @returns The run folder, the site folder, the interpreter, and the run's exit code.
 * @throws {UserError} When Deno is too old or no usable Python can be set up.
 * @throws {DemoStepError} When `cli.ts run` or `cli.ts site` fails outright.
 *
 * @example Running the demo from code
 * ```ts ignore
 * import { runDemo } from "./demo.ts";
 * const { runFolder, site } = await runDemo({ runs: "runs", site: "_site" });
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? console.error;
  checkDeno(Deno.version.deno);
  const python = await preparePython(options);
  log(
    `Deno ${Deno.version.deno}; Python ${python.version} at ${python.executable} with ` +
      `${DEMO_REQUIREMENTS.map((r) => r.pip).join(", ")}.`,
  );
  const pipeline = resolve(options.pipeline ?? DEMO_PIPELINE);
  const runs = resolve(options.runs ?? "runs");
  const site = resolve(options.site ?? "_site");

  log(`\nRunning ${display(pipeline)} ...`);
  const run = await cli(
    RUN_FLAGS,
    [
      "run",
      pipeline,
      "--out",
      runs,
      "--python",
      python.executable,
      ...(options.params ?? []).flatMap((p) => ["--param", p]),
      ...(options.cache === undefined ? [] : ["--cache", options.cache]),
    ],
    "run the demo pipeline",
  );
  const printed = run.stdout.trim().split("\n").at(-1)?.trim() ?? "";
  const runFolder = printed && (isAbsolute(printed) ? printed : resolve(printed));
  if (!runFolder || !await exists(runFolder)) {
    throw new DemoStepError(
      "run",
      run.code,
      `Cannot run the demo pipeline: \`cli.ts run\` exited with code ${run.code} without ` +
        `writing a run folder (it printed ${JSON.stringify(run.stdout.trim())}); see its ` +
        "message above.",
    );
  }

  const folders = await runFolders(runs);
  log(`\nBuilding the website from ${folders.length} run(s) in ${display(runs)} ...`);
  await cli(
    SITE_FLAGS,
    ["site", runs, "--out", site, "--title", "mnist-digits demo"],
    "build the website",
  );
  return {
    runFolder,
    site,
    python: python.executable,
    runCode: run.code,
    models: await readModels(runFolder),
  };
}

function parseDemoArgs(args: string[]): DemoOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        pipeline: { type: "string" },
        runs: { type: "string" },
        site: { type: "string" },
        python: { type: "string" },
        "no-install": { type: "boolean" },
        param: { type: "string", short: "p", multiple: true },
        cache: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UserError(`Cannot run the demo: ${(err as Error).message} (see --help)`, {
      cause: err,
    });
  }
  const v = parsed.values;
  if (v.help) {
    console.log(`Usage: deno task demo [options]

Runs the mnist-digits demo pipeline with \`cli.ts run\` and builds its website with
\`cli.ts site\`. Finds a Python with nbclient, ipykernel, scikit-learn and matplotlib, and
installs them when missing and safe (Debian packages as root on Debian, else a virtual
environment in .cache/demo-venv/).

Options:
  --no-install       only check the environment; print the install command instead
  --python PATH      the Python interpreter to use (must have every package)
  --runs DIR         folder of run folders, all shown on the website (default: runs)
  --site DIR         website folder (default: _site)
  --pipeline FILE    another pipeline file (default: the demo pipeline)
  -p, --param K=V    override a parameter for this run, e.g. --param train_test_ratio=0.8
                     (repeatable; see \`cli.ts run --help\`)
  --cache DIR        restore unchanged notebooks from this cache and save the others
                     (see docs/caching.md)
  -h, --help         this help

Exit code: 0 every task succeeded, 1 some task failed (the website shows which),
2 the environment or an argument is wrong, 130 interrupted.`);
    Deno.exit(0);
  }
  return {
    ...(v.pipeline !== undefined ? { pipeline: v.pipeline } : {}),
    ...(v.runs !== undefined ? { runs: v.runs } : {}),
    ...(v.site !== undefined ? { site: v.site } : {}),
    ...(v.python !== undefined ? { python: v.python } : {}),
    install: !v["no-install"],
    params: v.param ?? [],
    ...(v.cache !== undefined ? { cache: v.cache } : {}),
  };
}

/** A path for people: relative when under the current folder, absolute otherwise. */
function display(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

if (import.meta.main) {
  const started = performance.now();
  try {
    const result = await runDemo(parseDemoArgs(Deno.args));
    const seconds = Math.round((performance.now() - started) / 1000);
    const index = join(result.site, "index.html");
    const serve = result.site === join(ROOT, "_site")
      ? "npx deno task serve"
      : `deno run --allow-net=127.0.0.1 --allow-read=${result.site} examples/serve.ts ${result.site}`;
    console.log(
      [
        "",
        result.runCode === 0
          ? `Done in ${seconds} s: every task of the demo succeeded.`
          : `Done in ${seconds} s, but some tasks failed: the website shows which and why.`,
        ...(result.models.length > 0
          ? [
            "",
            "training images   mean AUC   test accuracy",
            ...result.models.map((m) =>
              `${String(m.nr_train_images).padStart(15)}   ${m.mean_auc.toFixed(4).padStart(8)}` +
              `   ${m.test_accuracy.toFixed(4).padStart(13)}`
            ),
            "",
          ]
          : []),
        `  run folder: ${display(result.runFolder)}`,
        `  website:    ${pathToFileURL(index).href}`,
        `Open the website in a browser, or serve it with \`${serve}\` and open ` +
        "http://127.0.0.1:8000/",
      ].join("\n"),
    );
    Deno.exit(result.runCode);
  } catch (err) {
    if (err instanceof DemoStepError && err.code === EXIT_INTERRUPTED) {
      console.error(`error: ${err.message}`);
      Deno.exit(EXIT_INTERRUPTED);
    }
    if (err instanceof UserError || err instanceof Deno.errors.NotCapable) {
      console.error(`error: ${(err as Error).message}`);
      Deno.exit(2);
    }
    throw err;
  }
}
