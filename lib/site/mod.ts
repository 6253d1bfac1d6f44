/**
 * The static website: building it from run folders, its history, notebook rendering.
 *
 * @module
 */
export { buildSite } from "./build.ts";
export { PreviousSiteError, readHistory } from "./history.ts";
export type { BuildReport, BuildSiteOptions } from "./build.ts";
export { findRunFolders, loadRuns, SiteInputError } from "./load.ts";
export type { History, SiteProblem, SiteRun } from "./model.ts";
export { ansiToHtml, renderMarkdown, renderNotebook } from "./notebook.ts";
