/**
 * The environment a kernel gets beyond the runner's own: the task's `env`, the values of its
 * secrets (only the kernel's environment gets them, never a file) and, for Deno's kernel, what
 * makes `import * as pdr from "pynb_dag_runner"` resolve.
 *
 * @module
 */
import type { PlannedInstance } from "../plan/types.ts";
import { DENO_KERNEL, denoKernelEnv } from "./deno_kernel.ts";

/** Options of {@linkcode kernelEnv}. */
export interface KernelEnvOptions {
  /** The values of the run's secrets, by name. @default none */
  secrets?: Readonly<Record<string, string>> | undefined;
  /** The pipeline's folder, where a Deno kernel finds the pipeline's `deno.json`. */
  baseDir: string;
}

/**
 * The variables to set in the kernel of an instance.
 *
 * @param inst The instance: its `env` and the names of the secrets it may read.
 * @param kernel The kernel it runs on.
 * @param options Secrets and the pipeline's folder.
 * @returns The variables, empty when there are none.
 *
 * @example A task's env and one of its secrets
 * ```ts
 * import { kernelEnv } from "./kernel_env.ts";
 * const inst = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: { MODE: "fast" }, secrets: ["TOKEN"],
 * };
 * const env = await kernelEnv(inst, "python3", { secrets: { TOKEN: "t0k" }, baseDir: "." });
 * console.assert(env.MODE === "fast" && env.TOKEN === "t0k");
 * ```
 */
export async function kernelEnv(
  inst: PlannedInstance,
  kernel: string,
  options: KernelEnvOptions,
): Promise<Record<string, string>> {
  const env = { ...inst.env };
  for (const name of inst.secrets ?? []) {
    const value = options.secrets?.[name];
    if (value !== undefined) env[name] = value;
  }
  if (kernel === DENO_KERNEL) Object.assign(env, await denoKernelEnv(options.baseDir));
  return env;
}
