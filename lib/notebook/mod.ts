/**
 * Notebooks: reading `.ipynb` and Jupytext percent `.py` files, papermill-style parameter
 * injection, Python literals.
 *
 * @module
 */
export { readNotebook } from "./read.ts";
export { NotebookError, ParameterNameError } from "./errors.ts";
export { parseIpynb, serializeIpynb } from "./ipynb.ts";
export { parsePercent, writePercent } from "./percent.ts";
export {
  DENO_KERNELSPEC,
  isTypeScriptNotebook,
  parsePercentTs,
  writePercentTs,
} from "./percent_ts.ts";
export { checkParameterName, injectParameters } from "./inject.ts";
export type { InjectOptions, InjectResult, RunContext } from "./inject.ts";
export { pydarParameters, pydarSource } from "./inject_compat.ts";
export type { PydarContext } from "./inject_compat.ts";
export { pythonLiteral } from "./python_literal.ts";
export type { Cell, Notebook, Output } from "./schema.ts";
