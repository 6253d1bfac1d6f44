/**
 * Turns zod issues into messages that say what is wrong with a pipeline file and how to fix it.
 *
 * @module
 */
import type { z } from "../../deps.ts";
import type { SpecProblem } from "./errors.ts";
import type { DataPath, PointAt, Position } from "./_positions.ts";
import { closest } from "./suggest.ts";
import { KNOWN_KEYS } from "./schema.ts";

/** Finds the source position of a data path, when the source has positions. */
export type Locate = (path: DataPath, at?: PointAt) => Position | undefined;

const HINTS: [RegExp, string][] = [
  [/^$/, "a pipeline file is a mapping with at least name and tasks"],
  [/^name$/, "add e.g. name: my-pipeline"],
  [/^tasks$/, "add e.g. tasks: { ingest: { notebook: notebooks/ingest.py } }"],
  [/^tasks\.[^.]+$/, "a task is a mapping, e.g. ingest: { notebook: notebooks/ingest.py }"],
  [/^tasks\.[^.]+\.notebook$/, "give the notebook path relative to the pipeline file"],
  [/(^|\.)parameters$/, "write a mapping of name: value"],
  [/(^|\.)env$/, "write a mapping of NAME: value"],
  [/(^|\.)secrets$/, "write a list of environment variable names, e.g. secrets: [API_TOKEN]"],
  [/(^|\.)matrix$/, "write a mapping of key: [values], e.g. { nr_train_images: [600, 800] }"],
  [/^defaults$/, "write e.g. defaults: { timeout: 10m, retries: 0 }"],
  [/(^|\.)(description|kernel)$/, "write a string"],
  [/(^|\.)needs$/, "write a task name or a list of task names, e.g. needs: [ingest]"],
  [/(^|\.)retries$/, "write a whole number of extra attempts, 0 to 100"],
];

/**
 * Formats a data path for messages: `tasks.ingest.needs[0]`.
 *
 * @param path Keys and indices.
 * @returns The dotted path.
 */
export function formatPath(path: DataPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Describes every zod issue as a positioned problem, sorted by source position.
 *
 * @param issues The issues of a failed `safeParse`.
 * @param raw The data that was parsed, to describe the offending values.
 * @param locate Source positions, if any.
 * @returns One problem per issue (one per key for unknown keys).
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  locate: Locate,
): SpecProblem[] {
  const problems: (SpecProblem & { required?: boolean })[] = [];
  const suggested: DataPath[] = [];
  const add = (
    path: DataPath,
    message: string,
    at: PointAt = "value",
    shown = path,
    required = false,
  ) => {
    const pos = locate(path, at);
    problems.push({
      path: formatPath(shown),
      line: pos?.line,
      column: pos?.column,
      message,
      required,
    });
  };
  for (const issue of issues) {
    const path = issue.path;
    const value = valueAt(raw, path);
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const known = knownKeys(path);
          const best = closest(key, known);
          if (best !== undefined) suggested.push([...path, best]);
          const hint = best === undefined ? "" : `; did you mean ${JSON.stringify(best)}?`;
          add(
            [...path, key],
            `unknown key ${JSON.stringify(key)}` +
              (hint === "" ? `; allowed keys: ${known.join(", ")}` : hint),
            "key",
            path,
          );
        }
        break;
      case "invalid_type": {
        const hint = hintFor(formatPath(path));
        if (value === undefined && !hasKey(raw, path)) {
          add(path, `is required${hint ? `; ${hint}` : ""}`, "value", path, true);
        } else {
          add(
            path,
            `must be ${article(issue.expected)}, not ${describe(value)}` +
              (hint ? `; ${hint}` : ""),
          );
        }
        break;
      }
      case "invalid_key":
        for (const inner of issue.issues) {
          // Our key messages quote the key themselves; zod's own ones do not.
          const key = String(path.at(-1) ?? "");
          const prefix = inner.message.includes(JSON.stringify(key))
            ? ""
            : `key ${JSON.stringify(key)}: `;
          add(path, `${prefix}${inner.message}`, "key", path.slice(0, -1));
        }
        break;
      default:
        add(path, issue.message);
    }
  }
  // A misspelt key ("notebok") also makes the real one ("notebook") missing: say it once.
  const explained = new Set(suggested.map((p) => formatPath(p)));
  return problems.filter((p) => !(p.required && explained.has(p.path))).map(
    ({ required: _, ...p }) => p,
  ).sort((a, b) =>
    (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0)
  );
}

function knownKeys(path: DataPath): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.pipeline;
  if (path.length === 1 && path[0] === "defaults") return KNOWN_KEYS.defaults;
  if (path.at(-1) === "resources") return KNOWN_KEYS.resources;
  return KNOWN_KEYS.task;
}

function hintFor(path: string): string {
  return HINTS.find(([re]) => re.test(path))?.[1] ?? "";
}

function article(expected: string): string {
  switch (expected) {
    case "object":
    case "record":
      return "a mapping";
    case "array":
      return "a list";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "int":
      return "a whole number";
    case "boolean":
      return "true or false";
    default:
      return expected;
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "empty (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

function valueAt(raw: unknown, path: DataPath): unknown {
  let v = raw;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function hasKey(raw: unknown, path: DataPath): boolean {
  if (path.length === 0) return raw !== undefined;
  const parent = valueAt(raw, path.slice(0, -1));
  return parent !== null && typeof parent === "object" &&
    Object.hasOwn(parent, path.at(-1) as PropertyKey);
}
