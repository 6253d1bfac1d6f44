/**
 * Lets the `yaml` package run under `--allow-read` alone.
 *
 * Its Node build probes `process.env.LOG_TOKENS` and `LOG_STREAM` (debug switches) on every
 * parse and stringify; without `--allow-env`, Deno throws `NotCapable` there. `validate`, `plan`
 * and `convert` must not need `--allow-env`, so while a YAML call runs (synchronously) an env read
 * that is not permitted answers "unset" instead of throwing, which is what those switches mean
 * anyway; with `--allow-env` they are answered "unset" too, since an env read per token costs
 * more than the parse on big files. The patch is undone before returning.
 *
 * @module
 */

const PROBES = ["LOG_TOKENS", "LOG_STREAM"];

/**
 * Runs a synchronous `yaml` call so that env reads it is not allowed to make read as unset.
 *
 * @param fn The call.
 * @returns What `fn` returns.
 *
 * @example Parsing without --allow-env
 * ```ts
 * import { parseDocument } from "../deps.ts";
 * import { withYamlEnvProbes } from "./_yaml_env.ts";
 * const doc = withYamlEnvProbes(() => parseDocument("a: 1"));
 * console.assert(doc.toJSON().a === 1);
 * ```
 */
export function withYamlEnvProbes<T>(fn: () => T): T {
  const env = Deno.env as { get(key: string): string | undefined };
  const original = env.get;
  env.get = (key: string) => {
    // Answer the probes directly: a thrown NotCapable per token would cost seconds on big files.
    if (PROBES.includes(key)) return undefined;
    try {
      return original.call(Deno.env, key);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) return undefined;
      throw err;
    }
  };
  try {
    return fn();
  } finally {
    env.get = original;
  }
}
