/**
 * Prepares the notebook of an attempt: takes the source (`.ipynb` or percent `.py`), read once
 * per run, injects the instance's parameters and the run context, and serialises it as `.ipynb`.
 *
 * @module
 */
import { CI_ENV_NAMES } from "../log/ci/ci_context.ts";
import { type InjectOptions, injectParameters } from "../notebook/inject.ts";
import { serializeIpynb } from "../notebook/ipynb.ts";
import { isTypeScriptNotebook } from "../notebook/percent_ts.ts";
import { BUILTIN_DEFAULTS } from "../spec/schema.ts";
import { readNotebook } from "../notebook/read.ts";
import type { Notebook } from "../notebook/schema.ts";
import type { PlannedInstance } from "../plan/types.ts";
import type { NotebookPreparer } from "./instance_runner.ts";

/**
 * The source notebooks of one run, each read and validated at most once, however many instances
 * (matrix combinations) and attempts (retries) use it.
 *
 * @example Reading every notebook before a run starts
 * ```ts
 * import { NotebookSources } from "./prepare.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.py`, "# %%\nx = 1\n");
 * const sources = new NotebookSources(new Map([["a.py", `${dir}/a.py`]]));
 * await sources.readAll();
 * console.assert((await sources.read("a.py")).cells.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NotebookSources {
  #files: ReadonlyMap<string, string>;
  #read = new Map<string, Promise<Notebook>>();

  /**
   * @param files The absolute path of each notebook, by the path written in the pipeline
   *   (`loadAndPlan()`'s `notebooks`, or `notebookFiles(plan)`).
   */
  constructor(files: ReadonlyMap<string, string>) {
    this.#files = files;
  }

  /**
   * The notebook named `notebook` in the pipeline, parsed.
   *
   * @param notebook The path as written in the pipeline (`PlannedInstance.notebook`).
   * @returns The notebook, read on the first call.
   * @throws {RangeError} When the notebook is not one of the run's.
   * @throws {NotebookError} When it cannot be read or is invalid.
   */
  read(notebook: string): Promise<Notebook> {
    let nb = this.#read.get(notebook);
    if (nb === undefined) {
      const path = this.#files.get(notebook);
      if (path === undefined) {
        return Promise.reject(
          new RangeError(`Cannot prepare '${notebook}': it is not a notebook of this run`),
        );
      }
      nb = readNotebook(path);
      this.#read.set(notebook, nb);
    }
    return nb;
  }

  /**
   * Reads every notebook, one after another, so that an invalid one stops a run before anything
   * is written or started.
   *
   * @throws {NotebookError} For the first notebook that cannot be read or is invalid.
   */
  async readAll(): Promise<void> {
    for (const notebook of this.#files.keys()) await this.read(notebook);
  }
}

/**
 * Makes the notebook preparer of one run.
 *
 * @param sources The run's source notebooks.
 * @returns A {@linkcode NotebookPreparer} for `executePlan`.
 * @throws {NotebookError} (from the preparer) When a notebook cannot be read or is invalid.
 *
 * @example Preparing a notebook
 * ```ts
 * import { notebookPreparer, NotebookSources } from "./prepare.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.py`, '# %% tags=["parameters"]\nn = 1\n');
 * const prepare = notebookPreparer(new NotebookSources(new Map([["a.py", `${dir}/a.py`]])));
 * const instance = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: { n: 2 }, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const { ipynb } = await prepare(instance, {
 *   runId: "r1", taskId: "a", instanceId: "a", attempt: 1,
 * });
 * console.assert(ipynb.includes("n = 2"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function notebookPreparer(sources: NotebookSources): NotebookPreparer {
  return async (instance, context) => {
    const source = await sources.read(instance.notebook);
    const { notebook, warnings } = injectParameters(
      source,
      instance.parameters,
      context,
      injectOptions(instance),
    );
    const kernel = notebookKernel(source, instance.kernel);
    return {
      ipynb: serializeIpynb(notebook),
      warnings,
      ...(kernel === instance.kernel ? {} : { kernel }),
    };
  };
}

/**
 * The kernel a notebook runs in: a TypeScript notebook (a `.ts` script, or a kernelspec of Deno's)
 * runs on Deno's kernel unless its task names another kernel than the default one.
 *
 * @param notebook The source notebook.
 * @param kernel The instance's kernel (`kernel:` of the task or the defaults, else python3).
 * @returns The kernel name.
 *
 * @example
 * ```ts
 * import { notebookKernel } from "./prepare.ts";
 * import { parsePercentTs } from "../notebook/percent_ts.ts";
 * console.assert(notebookKernel(parsePercentTs("// %%\n1\n"), "python3") === "deno");
 * ```
 */
export function notebookKernel(notebook: Notebook, kernel: string): string {
  return isTypeScriptNotebook(notebook) && kernel === BUILTIN_DEFAULTS.kernel ? "deno" : kernel;
}

/** `compat: pynb-dag-runner`: the original's `P`, with the GitHub context where there is one. */
function injectOptions(instance: PlannedInstance): InjectOptions {
  if (instance.compat === undefined) return {};
  return {
    compat: {
      taskParameters: instance.compat.taskParameters,
      github: githubContext(),
      notebook: instance.notebook,
      timeoutSeconds: instance.timeoutSeconds,
      retries: instance.retries,
    },
  };
}

/**
 * `GITHUB_REPOSITORY` as `repository`, ...: the CI context's variables (none holds a secret), read
 * only where the process may.
 */
function githubContext(): Record<string, string> {
  const github: Record<string, string> = {};
  for (const name of CI_ENV_NAMES) {
    if (name === "GITHUB_ACTIONS") continue;
    const granted = Deno.permissions.querySync({ name: "env", variable: name }).state;
    const value = granted === "granted" ? Deno.env.get(name) : undefined;
    if (value) github[name.slice("GITHUB_".length).toLowerCase()] = value;
  }
  return github;
}
