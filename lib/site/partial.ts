/**
 * For a run that did not finish: attempts whose folders exist but that its spans do not list yet
 * (they were still running when the run was stopped). Their partial notebook and stderr are the
 * best account of what happened, so the site shows them as running instances.
 *
 * @module
 */
import { join } from "node:path";
import type { RunSummary, TaskRecord } from "../log/schema.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function dirNames(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(path)) if (e.isDirectory) names.push(e.name);
  } catch {
    return [];
  }
  return names.sort();
}

/**
 * Adds a `running` instance for every `tasks/<slug>/attempt-<n>/` folder holding a notebook or
 * stderr that the summary does not mention.
 *
 * @param folder The run folder.
 * @param summary Its summary, rebuilt from the spans.
 * @returns The summary with the unlisted attempts added (the same object when there are none).
 *
 * @example Completing an interrupted run
 * ```ts ignore
 * const summary = await addUnlistedAttempts(run.folder, run.summary);
 * ```
 */
export async function addUnlistedAttempts(
  folder: string,
  summary: RunSummary,
): Promise<RunSummary> {
  const known = new Set(summary.tasks.map((t) => t.slug));
  const added: TaskRecord[] = [];
  for (const slug of await dirNames(join(folder, "tasks"))) {
    if (known.has(slug)) continue;
    const attempts: TaskRecord["attempts"] = [];
    for (const name of await dirNames(join(folder, "tasks", slug))) {
      const n = /^attempt-(\d+)$/.exec(name)?.[1];
      if (!n || Number(n) < 1) continue;
      const rel = `tasks/${slug}/${name}`;
      const notebook = await exists(join(folder, rel, "notebook.ipynb"));
      const stderr = await exists(join(folder, rel, "stderr.txt"));
      if (!notebook && !stderr) continue;
      attempts.push({
        attempt: Number(n),
        status: "running",
        startedAt: summary.startedAt,
        ...(notebook ? { notebook: `${rel}/notebook.ipynb` } : {}),
        ...(stderr ? { stderr: `${rel}/stderr.txt` } : {}),
      });
    }
    if (attempts.length === 0) continue;
    attempts.sort((a, b) => a.attempt - b.attempt);
    added.push({
      id: slug,
      task: slug,
      slug,
      matrix: {},
      parameters: {},
      needs: [],
      notebook: "",
      status: "running",
      reason: "Still running when the run stopped: the notebook and stderr are as far as it got.",
      attempts,
      values: {},
      metrics: [],
      artifacts: [],
    });
  }
  return added.length ? { ...summary, tasks: [...summary.tasks, ...added] } : summary;
}
