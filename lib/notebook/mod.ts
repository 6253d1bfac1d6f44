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
export { checkParameterName, injectParameters } from "./inject.ts";
export type { InjectResult, RunContext } from "./inject.ts";
export { pythonLiteral } from "./python_literal.ts";
export type { Cell, Notebook, Output } from "./schema.ts";
