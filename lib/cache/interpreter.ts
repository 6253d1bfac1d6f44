/**
 * The kernels and interpreter a run uses, as cache keys see them: the interpreter's full
 * `sys.version` and each kernel spec's command line. Both come from the one probe `detectPython`
 * makes of the interpreter (`lib/execute/python.ts`): a cached run starts no other process.
 *
 * @module
 */
import type { PythonInfo } from "../execute/python.ts";
import type { KernelFingerprint } from "./key.ts";

/**
 * The fingerprint of each kernel a plan uses.
 *
 * @param python The interpreter, as `detectPython` found it.
 * @param kernels The kernel names the plan uses.
 * @returns One fingerprint per kernel name; `argv` is `null` for a kernel spec that was not found
 *   (the run will fail to start it, and its key still differs from one that was found).
 *
 * @example The python3 kernel
 * ```ts
 * import { kernelFingerprints } from "./interpreter.ts";
 * const got = kernelFingerprints({
 *   build: "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]",
 *   kernelSpecs: { python3: ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"] },
 * }, ["python3", "python3", "julia"]);
 * console.assert(got.get("python3")?.argv?.[0] === "/usr/bin/python3");
 * console.assert(got.get("julia")?.argv === null && got.size === 2);
 * ```
 */
export function kernelFingerprints(
  python: Pick<PythonInfo, "build" | "kernelSpecs">,
  kernels: readonly string[],
): Map<string, KernelFingerprint> {
  return new Map(
    [...new Set(kernels)].sort().map((name) => [name, {
      name,
      argv: python.kernelSpecs[name] ?? null,
      python: python.build,
    }]),
  );
}
