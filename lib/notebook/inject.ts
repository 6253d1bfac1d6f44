/**
 * papermill-compatible parameter injection: a code cell tagged `injected-parameters` with one
 * Python assignment per parameter and the dict `P` (every parameter plus the run context).
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../_base/json.ts";
import { ParameterNameError } from "./errors.ts";
import { pEntries } from "./_p_dict.ts";
import { type PydarContext, pydarSource } from "./inject_compat.ts";
import { injectedSourceTs } from "./inject_ts.ts";
import { isTypeScriptNotebook } from "./percent_ts.ts";
import { uniqueId } from "./ipynb.ts";
import { pythonLiteral } from "./python_literal.ts";
import type { Cell, CodeCell, Notebook } from "./schema.ts";

/**
 * Where a notebook runs: the context keys that `P` carries besides the parameters.
 *
 * @example The context of a matrix instance's second attempt
 * ```ts
 * import type { RunContext } from "./inject.ts";
 * const context: RunContext = {
 *   runId: "2026-01-02T03-04-05Z-ab12", taskId: "train", instanceId: "train[n=600]", attempt: 2,
 * };
 * console.assert(context.attempt === 2);
 * ```
 */
export interface RunContext {
  /** The run's id (`P["run.id"]`). */
  runId: string;
  /** The task's name in the pipeline (`P["task.id"]`). */
  taskId: string;
  /** The task instance's id, e.g. `train[n=600]` (`P["task.instance"]`). */
  instanceId: string;
  /** The attempt number, from 1 (`P["attempt"]`). */
  attempt: number;
}

/** Options of {@linkcode injectParameters}. */
export interface InjectOptions {
  /**
   * The notebook is in the original pynb-dag-runner's style (`compat: pynb-dag-runner`): the
   * injected cell assigns only `P`, with `pipeline.*` and `task.*` keys.
   * @default absent: one variable per parameter and this runner's `P`
   */
  compat?: PydarContext;
}

/** The notebook with its parameters injected, and what the user should know about it. */
export interface InjectResult {
  /** A new notebook; the input is not changed. */
  notebook: Notebook;
  /** Human-readable warnings, e.g. that no cell is tagged `parameters`. */
  warnings: string[];
}

/**
 * Tag of the cell that declares a notebook's default parameters.
 *
 * @example Tagging a cell in a percent-format script
 * ```ts
 * import { PARAMETERS_TAG } from "./inject.ts";
 * const marker = `# %% tags=["${PARAMETERS_TAG}"]`;
 * console.assert(marker === '# %% tags=["parameters"]');
 * ```
 */
export const PARAMETERS_TAG = "parameters";
/**
 * Tag of the cell this module adds.
 *
 * @example Finding the injected cell of an executed notebook
 * ```ts
 * import { INJECTED_TAG } from "./inject.ts";
 * const cells = [{ metadata: { tags: ["injected-parameters"] } }];
 * console.assert(cells.findIndex((c) => c.metadata.tags.includes(INJECTED_TAG)) === 0);
 * ```
 */
export const INJECTED_TAG = "injected-parameters";

const PYTHON_KEYWORDS = new Set(
  ("False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while " +
    "with yield").split(" "),
);
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

/**
 * Checks that a parameter name can be a Python variable in the injected cell.
 *
 * @param name The parameter name.
 * @throws {ParameterNameError} The name is not a Python identifier, is a keyword, is `P`, or
 * would be renamed by Python's NFKC normalisation.
 *
 * @example A valid and an invalid name
 * ```ts
 * import { checkParameterName } from "./inject.ts";
 * checkParameterName("train_test_ratio");
 * let failed = false;
 * try { checkParameterName("train-test-ratio"); } catch { failed = true; }
 * console.assert(failed);
 * ```
 */
export function checkParameterName(name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new ParameterNameError(
      name,
      "it is not a Python identifier (use letters, digits and '_', not starting with a digit), " +
        `e.g. ${JSON.stringify(suggestName(name))}`,
    );
  }
  if (PYTHON_KEYWORDS.has(name)) {
    throw new ParameterNameError(name, `'${name}' is a Python keyword; rename the parameter`);
  }
  if (name === "P") {
    throw new ParameterNameError(
      name,
      "'P' is the dict of all parameters that every notebook receives; rename the parameter",
    );
  }
  if (name.normalize("NFKC") !== name) {
    throw new ParameterNameError(
      name,
      `Python would read it as ${JSON.stringify(name.normalize("NFKC"))} (NFKC normalisation); ` +
        "use that spelling",
    );
  }
}

function suggestName(name: string): string {
  const s = name.replace(/[^\p{ID_Continue}]+/gu, "_");
  return /^[\p{ID_Start}_]/u.test(s) ? s : `_${s}`;
}

/** The language the notebook declares (kernelspec, else language_info), if any. */
function notebookLanguage(nb: Notebook): string | undefined {
  for (const key of ["kernelspec", "language_info"]) {
    const section = nb.metadata[key];
    if (section !== null && typeof section === "object" && !Array.isArray(section)) {
      const value = key === "kernelspec" ? section.language : section.name;
      if (typeof value === "string" && value) return value;
    }
  }
  return undefined;
}

function hasTag(cell: Cell, tag: string): boolean {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) && tags.includes(tag);
}

/** The value as notebook metadata holds it: JSON has no NaN or infinities. */
function jsonSafe(value: JsonValue): JsonValue {
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/**
 * The source of the injected cell: `# Parameters`, one assignment per parameter, and `P`.
 *
 * @param parameters The parameters, in the order to assign them.
 * @param context The run context that `P` carries.
 * @returns Python source.
 *
 * @example The injected source
 * ```ts
 * import { injectedSource } from "./inject.ts";
 * const src = injectedSource({ n: 600 }, { runId: "r1", taskId: "train", instanceId: "train[n=600]", attempt: 1 });
 * console.assert(src.startsWith('# Parameters\nn = 600\nP = {\n    "n": 600,\n'));
 * ```
 */
export function injectedSource(parameters: Record<string, JsonValue>, context: RunContext): string {
  const entries = pEntries(parameters, context);
  return [
    "# Parameters",
    ...Object.entries(parameters).map(([name, value]) => `${name} = ${pythonLiteral(value)}`),
    "P = {",
    ...entries.map(([key, value]) => `    ${pythonLiteral(key)}: ${pythonLiteral(value)},`),
    "}",
    "",
  ].join("\n");
}

/**
 * Injects parameters into a notebook the way papermill does, so papermill notebooks run
 * unchanged: a new code cell tagged `injected-parameters` goes right after the first cell tagged
 * `parameters` (or replaces an earlier injected cell where it is; or goes at the top, with a
 * warning, when no cell is tagged `parameters`). It assigns each parameter as a Python
 * variable with an exact literal, then `P`, a dict of every parameter plus `"run.id"`,
 * `"task.id"`, `"task.instance"` and `"attempt"`. The parameters are also recorded in
 * `metadata.papermill.parameters` (as papermill does) and `metadata.pynb` (with the context);
 * there NaN and infinities become the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 *
 * @param nb The notebook; not changed.
 * @param parameters The parameters, in the order to assign them.
 * @param context The run, task, instance and attempt.
 * @param options `compat` for a notebook in the original pynb-dag-runner's style.
 * @returns The new notebook and warnings for the user.
 * @throws {ParameterNameError} A parameter name cannot be a Python variable.
 *
 * @example Injecting after the parameters cell
 * ```ts
 * import { injectParameters } from "./inject.ts";
 * const { notebook, warnings } = injectParameters({
 *   nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{ cell_type: "code", id: "p", metadata: { tags: ["parameters"] }, source: "n = 1",
 *     outputs: [], execution_count: null }],
 * }, { n: 600 }, { runId: "r1", taskId: "train", instanceId: "train[n=600]", attempt: 1 });
 * console.assert(notebook.cells[1]?.source.includes("n = 600\n"));
 * console.assert(warnings.length === 0);
 * ```
 */
export function injectParameters(
  nb: Notebook,
  parameters: Record<string, JsonValue>,
  context: RunContext,
  options: InjectOptions = {},
): InjectResult {
  const typescript = isTypeScriptNotebook(nb) && options.compat === undefined;
  if (!typescript) { for (const name of Object.keys(parameters)) checkParameterName(name); }
  const notebook = structuredClone(nb);
  const warnings: string[] = [];

  const language = notebookLanguage(notebook);
  if (!typescript && language !== undefined && language.toLowerCase() !== "python") {
    warnings.push(
      `the notebook's kernel language is ${JSON.stringify(language)}, but the injected ` +
        "parameters cell is Python code",
    );
  }
  const defaults = notebook.cells.find((c) => hasTag(c, PARAMETERS_TAG))?.source ?? "";
  const { kept, position } = placeInjectedCell(notebook.cells, warnings);

  const cell: CodeCell = {
    cell_type: "code",
    execution_count: null,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source: typescript
      ? injectedSourceTs(parameters, context, defaults)
      : options.compat === undefined
      ? injectedSource(parameters, context)
      : pydarSource(parameters, context, options.compat),
  };
  if (notebook.nbformat_minor >= 5) {
    cell.id = uniqueId(INJECTED_TAG, new Set(kept.flatMap((c) => (c.id ? [c.id] : []))));
  }
  notebook.cells = [...kept.slice(0, position), cell, ...kept.slice(position)];

  recordParameters(notebook, parameters, context);
  return { notebook, warnings };
}

/**
 * Where the injected cell goes, by papermill's rules: in place of an earlier injected cell, else
 * right after the first cell tagged `parameters`, else at the top (with a warning). Earlier
 * injected cells are dropped.
 *
 * @returns The cells kept, and the index among them where the new cell goes.
 */
function placeInjectedCell(
  cells: readonly Cell[],
  warnings: string[],
): { kept: Cell[]; position: number } {
  let injectedAt = cells.findIndex((c) => hasTag(c, INJECTED_TAG));
  const paramsAt = cells.findIndex((c) => hasTag(c, PARAMETERS_TAG));
  const moved = injectedAt >= 0 && paramsAt >= 0 && injectedAt < paramsAt;
  if (moved) {
    // papermill would replace it in place, where the defaults would then override it.
    warnings.push(
      `a cell tagged "${INJECTED_TAG}" came before the cell tagged "${PARAMETERS_TAG}"; ` +
        "it was removed and the parameters injected after the parameters cell",
    );
    injectedAt = -1;
  }
  const injectedCount = cells.filter((c) => hasTag(c, INJECTED_TAG)).length;
  const stale = injectedCount - (injectedAt >= 0 || moved ? 1 : 0);
  if (stale > 0) {
    warnings.push(
      `removed ${stale} more cell(s) tagged "${INJECTED_TAG}" left from an earlier injection`,
    );
  }
  const kept = cells.filter((c) => !hasTag(c, INJECTED_TAG));
  // Where the new cell goes among the kept cells: papermill's rules.
  const keptBefore = (index: number) =>
    cells.slice(0, index).filter((c) => !hasTag(c, INJECTED_TAG)).length;
  let position: number;
  if (injectedAt >= 0) {
    position = keptBefore(injectedAt);
  } else if (paramsAt >= 0) {
    position = keptBefore(paramsAt) + 1;
  } else {
    position = 0;
    warnings.push(
      `the notebook has no cell tagged "${PARAMETERS_TAG}", so the parameters were injected ` +
        `at the top; tag the cell that sets default parameters with "${PARAMETERS_TAG}" ` +
        "(Jupytext: '# %% tags=[\"parameters\"]', in TypeScript '// %% tags=[\"parameters\"]')",
    );
  }
  return { kept, position };
}

/** Records the parameters in `metadata.papermill.parameters` and `metadata.pynb` (in place). */
function recordParameters(
  notebook: Notebook,
  parameters: Record<string, JsonValue>,
  context: RunContext,
): void {
  const safe = jsonSafe(parameters) as JsonObject;
  const papermill = notebook.metadata.papermill;
  notebook.metadata.papermill = {
    ...(papermill !== null && typeof papermill === "object" && !Array.isArray(papermill)
      ? papermill
      : {}),
    parameters: safe,
  };
  notebook.metadata.pynb = {
    runId: context.runId,
    taskId: context.taskId,
    instanceId: context.instanceId,
    attempt: context.attempt,
    parameters: safe,
  };
}
