/**
 * Deno's Jupyter kernel for TypeScript notebooks, run with the runner's own Deno
 * (`Deno.execPath()`): its kernelspec is installed by `deno jupyter --install` into a folder this
 * process owns (through `XDG_DATA_HOME`) and put first on the kernel's `JUPYTER_PATH`; the
 * user's Jupyter setup is never changed. The kernel starts in a folder whose `deno.json` maps
 * `pynb_dag_runner` to the notebook API (and keeps the `imports` of the pipeline folder's own
 * `deno.json`), then moves to the pipeline's folder before the first cell.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { makeScratchDir } from "./scratch.ts";

/** The kernel name of Deno's kernelspec. */
export const DENO_KERNEL = "deno";

/** `deno jupyter --install` failed. */
export class DenoKernelError extends Error {
  /**
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DenoKernelError";
  }
}

const installed = new Map<string, Promise<Record<string, string>>>();

/**
 * The environment a Deno kernel of a notebook in `workDir` needs: `JUPYTER_PATH` with the
 * runner's kernelspec first, and `PYNB_KERNEL_START_DIR`, the folder the kernel starts in.
 * Installed once per process and folder.
 *
 * @param workDir The folder the notebook runs in (the pipeline file's).
 * @returns Environment variables for the kernel.
 * @throws {DenoKernelError} When `deno jupyter --install` fails.
 *
 * @example
 * ```ts ignore
 * import { denoKernelEnv } from "./deno_kernel.ts";
 * const env = await denoKernelEnv(Deno.cwd());
 * console.assert(env.JUPYTER_PATH !== undefined);
 * ```
 */
export function denoKernelEnv(workDir: string): Promise<Record<string, string>> {
  let env = installed.get(workDir);
  if (env === undefined) {
    env = install(workDir).catch((err) => {
      installed.delete(workDir);
      throw err;
    });
    installed.set(workDir, env);
  }
  return env;
}

async function install(workDir: string): Promise<Record<string, string>> {
  const dir = await makeScratchDir("pynb-dag-runner-deno-");
  const data = join(dir, "data");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--install", "--force"],
    env: { XDG_DATA_HOME: data, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
    throw new DenoKernelError(
      `Cannot install Deno's Jupyter kernel with '${Deno.execPath()} jupyter --install': ` +
        `exit code ${out.code}${why ? `: ${why}` : ""}`,
    );
  }
  const start = join(dir, "start");
  await Deno.mkdir(start);
  const api = new URL("./typescript/pynb_dag_runner.ts", import.meta.url).href;
  const imports = { ...await userImports(workDir), pynb_dag_runner: api };
  await Deno.writeTextFile(join(start, "deno.json"), JSON.stringify({ imports }, null, 2) + "\n");
  const jupyterPath = [join(data, "jupyter"), Deno.env.get("JUPYTER_PATH")].filter(Boolean);
  return { JUPYTER_PATH: jupyterPath.join(":"), PYNB_KERNEL_START_DIR: start };
}

/**
 * The `imports` of the nearest `deno.json` at or above `workDir`, with relative targets made
 * absolute: the notebook keeps its own import map although the kernel starts elsewhere.
 */
async function userImports(workDir: string): Promise<Record<string, string>> {
  for (let dir = resolve(workDir);; dir = dirname(dir)) {
    const file = join(dir, "deno.json");
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const imports = (JSON.parse(text) as { imports?: Record<string, string> }).imports ?? {};
      const base = pathToFileURL(file);
      return Object.fromEntries(
        Object.entries(imports).map((
          [k, v],
        ) => [k, v.startsWith(".") || v.startsWith("/") ? new URL(v, base).href : v]),
      );
    }
    if (dirname(dir) === dir) return {};
  }
}
