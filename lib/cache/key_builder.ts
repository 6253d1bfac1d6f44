/**
 * Computes the cache keys of one run's instances: reads each notebook and `inputs:` file once,
 * and remembers every key so that downstream keys can include their upstream ones.
 *
 * @module
 */
import { resolve } from "node:path";
import type { TaskRecord } from "../log/schema.ts";
import { DENO_KERNEL } from "../execute/deno_kernel.ts";
import { notebookKernel } from "../execute/prepare.ts";
import { readNotebook } from "../notebook/read.ts";
import type { Notebook } from "../notebook/schema.ts";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import { matchInputs } from "./inputs.ts";
import { instanceKey, type KernelFingerprint, outputHash } from "./key.ts";

/** Options of {@linkcode KeyBuilder}. */
export interface KeyBuilderOptions {
  /**
   * Names of the secrets an instance's kernel receives (only names count, never values).
   * @default the instance's `secrets` (the pipeline's and the task's `secrets:`)
   */
  secretsOf?: (instance: PlannedInstance) => string[];
  /** Hears about `inputs:` globs that match no file. @default none */
  warn?: (message: string) => void;
  /**
   * The run's notebooks, read once for the run (`NotebookSources`).
   * @default each notebook read here, once
   */
  sources?: { read(notebook: string): Promise<Notebook> };
}

/**
 * The cache keys of one run.
 *
 * @example Two instances, the second downstream of the first
 * ```ts
 * import { KeyBuilder } from "./key_builder.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.py`, "# %%\nx = 1\n");
 * const inst = (id: string, needs: string[]) => ({
 *   id, task: id, slug: id, matrix: {}, parameters: {}, needs, notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * });
 * const plan = {
 *   pipeline: "p", baseDir: dir, parameters: {}, layers: [["a"], ["b"]],
 *   instances: [inst("a", []), inst("b", ["a"])],
 * };
 * const kernels = new Map([["python3", { name: "python3", argv: null, python: "3.11.2" }]]);
 * const keys = new KeyBuilder(plan, kernels);
 * const a = await keys.keyOf(plan.instances[0]!, []);
 * const upstream = { id: "a", values: { n: 1 }, metrics: [], artifacts: [] };
 * const b = await keys.keyOf(plan.instances[1]!, [upstream]);
 * console.assert(a !== b && keys.get("a") === a);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class KeyBuilder {
  #plan: Plan;
  #kernels: ReadonlyMap<string, KernelFingerprint>;
  #options: KeyBuilderOptions;
  #notebooks = new Map<string, Promise<Notebook>>();
  #hashes = new Map<string, Promise<string>>();
  #keys = new Map<string, string>();

  /**
   * @param plan The run's plan.
   * @param kernels Fingerprints of the kernels the plan uses, by name (`kernelFingerprints`).
   * @param options Secrets and warnings.
   */
  constructor(
    plan: Plan,
    kernels: ReadonlyMap<string, KernelFingerprint>,
    options: KeyBuilderOptions = {},
  ) {
    this.#plan = plan;
    this.#kernels = kernels;
    this.#options = options;
  }

  /**
   * The key of an instance, given the final records of its upstream instances (whose keys this
   * builder computed before).
   *
   * @param instance The instance.
   * @param upstream The records of `instance.needs`: ids, values, metrics and artifacts.
   * @returns 64 hex digits.
   * @throws {Error} When an upstream key is unknown (a bug: upstream keys come first).
   */
  async keyOf(
    instance: PlannedInstance,
    upstream: readonly Pick<TaskRecord, "id" | "values" | "metrics" | "artifacts">[],
  ): Promise<string> {
    const notebook = await this.#notebook(instance.notebook);
    const name = notebookKernel(notebook, instance.kernel);
    const kernel = name === DENO_KERNEL
      // The runner's own Deno runs the kernel: its version decides the result.
      ? { name, argv: ["deno", "jupyter", "--kernel"], python: `deno ${Deno.version.deno}` }
      : this.#kernels.get(name) ?? { name, argv: null, python: "" };
    const inputs = await matchInputs(this.#plan.baseDir, instance.inputs ?? [], this.#hashes);
    for (const pattern of inputs.unmatched) {
      this.#options.warn?.(`${instance.id}: inputs glob '${pattern}' matches no file`);
    }
    const key = instanceKey({
      notebook,
      parameters: instance.parameters,
      matrix: instance.matrix,
      kernel,
      env: instance.env,
      secrets: this.#options.secretsOf?.(instance) ?? instance.secrets ?? [],
      inputs: inputs.files,
      compat: instance.compat,
      upstream: upstream.map((u) => {
        const key = this.#keys.get(u.id);
        if (key === undefined) {
          throw new Error(`Cannot key '${instance.id}': upstream '${u.id}' has no key yet`);
        }
        return { id: u.id, key, outputs: outputHash(u) };
      }),
    });
    this.#keys.set(instance.id, key);
    return key;
  }

  /**
   * The key computed for an instance, if any.
   *
   * @param id Instance id.
   * @returns The key, or `undefined` before {@linkcode KeyBuilder.keyOf} ran for it.
   */
  get(id: string): string | undefined {
    return this.#keys.get(id);
  }

  #notebook(path: string): Promise<Notebook> {
    if (this.#options.sources !== undefined) return this.#options.sources.read(path);
    const abs = resolve(this.#plan.baseDir, path);
    let nb = this.#notebooks.get(abs);
    if (nb === undefined) {
      nb = readNotebook(abs);
      this.#notebooks.set(abs, nb);
    }
    return nb;
  }
}
