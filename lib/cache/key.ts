/**
 * The cache key of a task instance: a sha256 over a canonical JSON of everything that determines
 * its result, so that an unchanged instance can be restored instead of run. See `docs/caching.md`
 * for what does and does not count.
 *
 * Everything here is pure: the inputs are read by `key_builder.ts`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Notebook } from "../notebook/schema.ts";
import type { JsonValue } from "../_base/json.ts";

/** Version of the key's recipe: bumped whenever what goes into a key changes. */
export const CACHE_KEY_VERSION = 1;

/** The kernel an instance runs in, as far as it decides the result. */
export interface KernelFingerprint {
  /** Kernel spec name, e.g. `python3`. */
  name: string;
  /** The kernel spec's command line (`null` when the spec could not be found). */
  argv: string[] | null;
  /** The interpreter's full `sys.version`. */
  python: string;
}

/** An input file matched by an instance's `inputs:` globs. */
export interface InputFile {
  /** Path relative to the pipeline folder, with `/` separators. */
  path: string;
  /** sha256 of the content, 64 lowercase hex digits. */
  sha256: string;
}

/** An upstream instance, as its downstream keys see it. */
export interface UpstreamKey {
  /** Instance id. */
  id: string;
  /** Its cache key. */
  key: string;
  /** {@linkcode outputHash} of what it logged. */
  outputs: string;
}

/** Everything a key is made of. */
export interface KeyParts {
  /** The notebook as read (`.ipynb` or percent `.py`). */
  notebook: Notebook;
  /** Every parameter the notebook receives (matrix values included). */
  parameters: Record<string, JsonValue>;
  /** The matrix values of the instance. */
  matrix: Record<string, JsonValue>;
  /** The kernel and interpreter. */
  kernel: KernelFingerprint;
  /** The task's `env` values. */
  env: Record<string, string>;
  /** Names of secrets the kernel receives: only the names count, never the values. */
  secrets: string[];
  /** Files matched by `inputs:`. */
  inputs: InputFile[];
  /** The upstream instances. */
  upstream: UpstreamKey[];
  /**
   * `compat: pynb-dag-runner`: the injected `P` has other keys. Absent: keys stay as they were.
   */
  compat?: { style: string; taskParameters: string[] } | undefined;
}

/** The part of a cell that decides what running it does. */
export interface NormalisedCell {
  /** `code`, `markdown` or `raw`. */
  type: string;
  /** The source. */
  source: string;
  /** Cell tags (`parameters` decides where parameters go), sorted. */
  tags: string[];
}

/**
 * JSON with object keys sorted at every level, so equal data always gives equal text.
 *
 * @param value Any JSON value.
 * @returns The canonical JSON text.
 *
 * @example Key order does not matter
 * ```ts
 * import { canonicalJson } from "./key.ts";
 * console.assert(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * sha256 of a text, as 64 lowercase hex digits.
 *
 * @param text The text (hashed as UTF-8).
 * @returns The digest.
 *
 * @example Hashing
 * ```ts
 * import { sha256Hex } from "./key.ts";
 * console.assert(sha256Hex("").startsWith("e3b0c442"));
 * ```
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The cells of a notebook without what running it does not depend on: outputs, execution counts,
 * cell ids, and every metadata key but `tags`. Notebook metadata is dropped too (the kernel is the
 * task's, and counts on its own).
 *
 * @param notebook The notebook as read.
 * @returns One entry per cell, in order.
 *
 * @example Outputs do not count
 * ```ts
 * import { normaliseNotebook } from "./key.ts";
 * const cells = normaliseNotebook({
 *   nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{
 *     cell_type: "code", id: "x1", metadata: { tags: ["parameters"], collapsed: true },
 *     source: "n = 1", outputs: [{ output_type: "stream", name: "stdout", text: "1" }],
 *     execution_count: 4,
 *   }],
 * });
 * console.assert(JSON.stringify(cells) === '[{"type":"code","source":"n = 1","tags":["parameters"]}]');
 * ```
 */
export function normaliseNotebook(notebook: Notebook): NormalisedCell[] {
  return notebook.cells.map((cell) => {
    const tags = cell.metadata.tags;
    return {
      type: cell.cell_type,
      source: cell.source,
      tags: Array.isArray(tags) ? tags.filter((t) => typeof t === "string").sort() : [],
    };
  });
}

/** What an instance logged, as {@linkcode outputHash} reads it. */
export interface LoggedOutputs {
  /** Values by name. */
  values: Record<string, JsonValue>;
  /** Metrics in order (timestamps do not count). */
  metrics: {
    name: string;
    value: number;
    step?: number | null | undefined;
    timestamp?: string | undefined;
  }[];
  /** Artifacts (only names and content hashes count). */
  artifacts: { name: string; sha256: string }[];
}

/**
 * A hash of what an instance logged: values, metrics (without timestamps) and artifact contents.
 * Downstream keys include it beside the upstream key, so an upstream that ran again under the same
 * key (`--force`, `cache: false`) and logged something else invalidates them, and one that logged
 * the same does not.
 *
 * @param outputs The instance's values, metrics and artifacts.
 * @returns 64 hex digits.
 *
 * @example Timestamps do not count
 * ```ts
 * import { outputHash } from "./key.ts";
 * const at = (timestamp: string) => ({ name: "acc", value: 1, step: null, timestamp });
 * const a = outputHash({ values: {}, artifacts: [], metrics: [at("2026-11-30T10:00:00Z")] });
 * const b = outputHash({ values: {}, artifacts: [], metrics: [at("2026-11-30T11:00:00Z")] });
 * console.assert(a === b);
 * ```
 */
export function outputHash(outputs: LoggedOutputs): string {
  return sha256Hex(canonicalJson({
    values: outputs.values,
    metrics: outputs.metrics.map((m) => [m.name, m.value, m.step ?? null]),
    artifacts: outputs.artifacts.map((a) => [a.name, a.sha256])
      .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)),
  }));
}

/**
 * The cache key of an instance: sha256 over the canonical JSON of its {@linkcode KeyParts}, the
 * notebook normalised and {@linkcode CACHE_KEY_VERSION} included.
 *
 * @param parts What the instance's result depends on.
 * @returns 64 lowercase hex digits.
 *
 * @example Parameters change the key
 * ```ts
 * import { instanceKey } from "./key.ts";
 * const parts = {
 *   notebook: { nbformat: 4 as const, nbformat_minor: 5, metadata: {}, cells: [] },
 *   parameters: { n: 1 }, matrix: {}, env: {}, secrets: [], inputs: [], upstream: [],
 *   kernel: { name: "python3", argv: null, python: "3.11.2" },
 * };
 * console.assert(instanceKey(parts) !== instanceKey({ ...parts, parameters: { n: 2 } }));
 * ```
 */
export function instanceKey(parts: KeyParts): string {
  return sha256Hex(canonicalJson({
    version: CACHE_KEY_VERSION,
    cells: normaliseNotebook(parts.notebook),
    parameters: parts.parameters,
    matrix: parts.matrix,
    kernel: parts.kernel,
    env: parts.env,
    secrets: [...new Set(parts.secrets)].sort(),
    inputs: [...parts.inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    upstream: [...parts.upstream].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    ...(parts.compat === undefined ? {} : { compat: parts.compat }),
  }));
}
