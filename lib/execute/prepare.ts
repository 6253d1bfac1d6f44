/**
 * Prepares the notebook of an attempt: reads the source (`.ipynb` or percent `.py`) once per
 * run, injects the instance's parameters and the run context, and serialises it as `.ipynb`.
 *
 * @module
 */
import { injectParameters } from "../notebook/inject.ts";
import { serializeIpynb } from "../notebook/ipynb.ts";
import { readNotebook } from "../notebook/read.ts";
import type { Notebook } from "../notebook/schema.ts";
import type { NotebookPreparer } from "./instance_runner.ts";

/**
 * Makes the notebook preparer of one run. Each source notebook is read and validated once, however
 * many instances and attempts use it.
 *
 * @returns A {@linkcode NotebookPreparer} for `executePlan`.
 * @throws {NotebookError} (from the preparer) When a notebook cannot be read or is invalid.
 *
 * @example Preparing a notebook
 * ```ts
 * import { notebookPreparer } from "./prepare.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.py`, '# %% tags=["parameters"]\nn = 1\n');
 * const prepare = notebookPreparer();
 * const instance = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: { n: 2 }, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const { ipynb } = await prepare(`${dir}/a.py`, instance, {
 *   runId: "r1", taskId: "a", instanceId: "a", attempt: 1,
 * });
 * console.assert(ipynb.includes("n = 2"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function notebookPreparer(): NotebookPreparer {
  const cache = new Map<string, Promise<Notebook>>();
  return async (source, instance, context) => {
    let nb = cache.get(source);
    if (nb === undefined) {
      nb = readNotebook(source);
      cache.set(source, nb);
    }
    const { notebook, warnings } = injectParameters(await nb, instance.parameters, context);
    return { ipynb: serializeIpynb(notebook), warnings };
  };
}
