/**
 * The kernels and interpreter a run uses, as cache keys see them: the full `sys.version` and each
 * kernel spec's command line. One cheap Python process per run: it imports only
 * `jupyter_core.paths` and reads the `kernel.json` files itself (jupyter_client's
 * `KernelSpecManager` costs about half a second to import).
 *
 * @module
 */
import { z } from "../../deps.ts";
import type { KernelFingerprint } from "./key.ts";

// A kernel without a kernel.json of its own is ipykernel's native `python3`, which runs
// sys.executable (what jupyter_client does too).
const PROBE = `
import json, os, sys
names = json.loads(sys.argv[1])
try:
    from jupyter_core.paths import jupyter_path
    dirs = jupyter_path("kernels")
except Exception:
    dirs = []
kernels = {}
for name in names:
    argv = None
    for d in dirs:
        try:
            with open(os.path.join(d, name, "kernel.json"), encoding="utf-8") as f:
                argv = json.load(f).get("argv")
            break
        except (OSError, ValueError):
            continue
    if argv is None and name == "python3":
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernels[name] = argv
print(json.dumps({"version": sys.version, "kernels": kernels}))
`;

const ProbeSchema = z.object({
  version: z.string(),
  kernels: z.record(z.string(), z.array(z.string()).nullable()),
});

/**
 * Asks the interpreter, once, for its version and the command line of each kernel spec.
 *
 * @param python The interpreter that runs the notebooks.
 * @param kernels The kernel names the plan uses.
 * @returns One fingerprint per kernel name.
 * @throws {Error} When the interpreter cannot be started or answers nonsense (it was just probed
 *   by `detectPython`, so this is not the user's mistake).
 *
 * @example Fingerprinting the python3 kernel
 * ```ts ignore
 * import { kernelFingerprints } from "./interpreter.ts";
 * const got = await kernelFingerprints("/usr/bin/python3", ["python3"]);
 * console.log(got.get("python3")?.python);
 * ```
 */
export async function kernelFingerprints(
  python: string,
  kernels: readonly string[],
): Promise<Map<string, KernelFingerprint>> {
  const names = [...new Set(kernels)].sort();
  const output = await new Deno.Command(python, {
    args: ["-c", PROBE, JSON.stringify(names)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
  let parsed;
  try {
    parsed = ProbeSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!output.success || !parsed?.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `Cannot read the kernel specs of '${python}' for cache keys: exit code ${output.code}` +
        (stderr ? `: ${stderr.split("\n").at(-1)}` : ""),
    );
  }
  const info = parsed.data;
  return new Map(names.map((name) => [name, {
    name,
    argv: info.kernels[name] ?? null,
    python: info.version,
  }]));
}
