/**
 * The site model: the validated runs the website shows, the folders it could not read, and the
 * history file (`data/history.json`) a published site keeps so `--previous` can extend it.
 *
 * @module
 */
import { z } from "../../deps.ts";
import type { RunFiles } from "../log/run_files.ts";
import { type RunSummary, RunSummarySchema } from "../log/schema.ts";

/** Version of `data/history.json` written by this release. */
export const HISTORY_FORMAT_VERSION = 1;

/** One run as the site knows it. */
export interface SiteRun {
  /** Safe, unique folder name of the run's pages (`runs/<key>/`). */
  key: string;
  /** The validated run summary. */
  summary: RunSummary;
  /** True when the run has no `run.json` (interrupted or still running). */
  interrupted: boolean;
  /** Run folder it was read from in this build; absent for runs carried over from `--previous`. */
  folder?: string;
  /** Safe access to that folder's files (never follows a link out of it); absent with `folder`. */
  files?: RunFiles;
}

/** A run folder that could not be shown, and why. */
export interface SiteProblem {
  /** The folder (as given on the command line or found in a runs directory). */
  folder: string;
  /** One-paragraph reason. */
  message: string;
}

/** One run in `data/history.json`. */
export interface HistoryRun {
  /** The run's page name. */
  key: string;
  /** Whether the run was interrupted before `run.json` was written. */
  interrupted: boolean;
  /** Its summary. */
  summary: RunSummary;
}

/** The parsed history file. */
export interface History {
  /** The format's version. */
  historyFormatVersion: typeof HISTORY_FORMAT_VERSION;
  /** What wrote it. */
  generator: string;
  /** The site's title. */
  title: string;
  /** When the site was built. */
  builtAt: string;
  /** Every run the site shows. */
  runs: HistoryRun[];
}

/** Schema of one run in `data/history.json`. */
export const HistoryRunSchema: z.ZodType<HistoryRun> = z.object({
  key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  interrupted: z.boolean(),
  summary: RunSummarySchema,
});

/** Schema of `data/history.json`. */
export const HistorySchema: z.ZodType<History> = z.object({
  historyFormatVersion: z.literal(HISTORY_FORMAT_VERSION),
  generator: z.string(),
  title: z.string(),
  builtAt: z.string(),
  runs: z.array(HistoryRunSchema),
});

/**
 * Orders runs newest first (by start time, then run id), the order of every list in the site.
 *
 * @param runs The runs.
 * @returns A new, sorted array.
 *
 * @example Sorting
 * ```ts ignore
 * const sorted = sortRuns(runs);
 * ```
 */
export function sortRuns(runs: SiteRun[]): SiteRun[] {
  return [...runs].sort((a, b) =>
    (Date.parse(b.summary.startedAt) || 0) - (Date.parse(a.summary.startedAt) || 0) ||
    (a.summary.runId < b.summary.runId ? 1 : a.summary.runId > b.summary.runId ? -1 : 0)
  );
}
