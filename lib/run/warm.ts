/**
 * The slow part of a run started first: the interpreter found (from the detection cache, mostly),
 * the run's zygote importing the kernel's modules and the first persistent driver started, while Deno
 * still loads the rest of the runner, reads the pipeline and plans it. A run that then fails
 * before its notebooks (a bad pipeline, a missing permission) or is interrupted closes the fork
 * server: no process is left.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { ForkServer } from "../execute/fork_server.ts";
import { detectPython } from "../execute/python.ts";
import { mark } from "../_base/timeline.ts";
import type { RunOptions } from "./options.ts";

/** Options of {@linkcode warmForkServer}. */
export interface WarmOptions {
  /** The interpreter chosen by the user. @default `PYNB_PYTHON`, else found on PATH */
  python?: string | undefined;
}

/** Whether this process may start the driver without asking (no permission prompt). */
function granted(): boolean {
  const names = ["run", "read", "write", "env"] as const;
  try {
    return names.every((name) => Deno.permissions.querySync({ name }).state === "granted");
  } catch {
    return false;
  }
}

/**
 * Starts a fork server with its zygote and one driver warming for the notebooks of `pipeline`
 * (their working folder is the pipeline's), without waiting for them. Never throws, never prompts for a
 * permission: without `--allow-run`, `--allow-read`, `--allow-write` and `--allow-env`, or
 * without a working interpreter, it starts nothing and the run reports the problem as before.
 *
 * @param pipeline The pipeline file.
 * @param options The interpreter chosen by the user.
 * @returns The fork server to pass to `runPipeline` (which closes it); close it yourself when
 *   the run does not happen.
 *
 * @example Warming before the rest is loaded
 * ```ts ignore
 * import { warmForkServer } from "./warm.ts";
 * const forkServer = warmForkServer("pipeline.yaml", {});
 * const { runPipeline } = await import("./run_pipeline.ts");
 * await runPipeline("pipeline.yaml", { forkServer });
 * ```
 */
export function warmForkServer(pipeline: string, options: WarmOptions = {}): ForkServer {
  const server = new ForkServer();
  if (!granted()) return server;
  const workDir = dirname(resolve(Deno.cwd(), pipeline));
  const python = options.python === undefined ? {} : { python: options.python };
  const request = detectPython(python).then((found) => {
    mark("python detected (early)");
    return { python: found.path, workDir };
  });
  server.prewarm(1, request).catch(() => {
    // The run reports a missing interpreter or driver itself.
  });
  return server;
}

/**
 * Whether a run should warm its fork server before it is planned: a local run that is no part of
 * a run and is given no cache and nothing to resume (a run that may restore everything starts no
 * driver before it knows).
 *
 * @param options The run's options.
 * @returns `true` to call {@linkcode warmForkServer} first.
 *
 * @example Deciding
 * ```ts
 * import { warmsEarly } from "./warm.ts";
 * console.assert(warmsEarly({}) && !warmsEarly({ cache: true }));
 * ```
 */
export function warmsEarly(
  options: Pick<RunOptions, "executor" | "part" | "cache" | "resume">,
): boolean {
  return (options.executor ?? "local") === "local" && options.part === undefined &&
    !options.cache && options.resume === undefined;
}
