/**
 * What the attempt folders on disk add to a summary rebuilt from spans: for a run that did not
 * finish, attempts whose folders exist but that no span lists yet (they were still running when
 * the run was stopped). Their partial notebook and stderr are the best account of what happened.
 *
 * @module
 */
import type { RunSummary, TaskRecord } from "./schema.ts";
import type { AttemptFolder } from "./run_files.ts";

/**
 * Adds the attempts that only their folder tells of to the instances that had not ended (in
 * place): each becomes a `running` attempt, and its instance `running`.
 *
 * @param records The rebuilt instances, by id.
 * @param folders The attempt folders on disk.
 *
 * @example A running attempt of a pending instance
 * ```ts
 * import { addAttemptFolders } from "./attempt_folders.ts";
 * import type { TaskRecord } from "./schema.ts";
 * const t: TaskRecord = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   status: "pending", attempts: [], values: {}, metrics: [], artifacts: [],
 * };
 * addAttemptFolders(new Map([["a", t]]), [{ slug: "a", attempt: 1, startedAt: new Date(0) }]);
 * console.assert(t.status === "running" && t.attempts.length === 1);
 * ```
 */
export function addAttemptFolders(
  records: Map<string, TaskRecord>,
  folders: AttemptFolder[],
): void {
  const bySlug = new Map([...records.values()].map((r) => [r.slug, r]));
  for (const folder of [...folders].sort((a, b) => a.attempt - b.attempt)) {
    const record = bySlug.get(folder.slug);
    if (record === undefined || (record.status !== "running" && record.status !== "pending")) {
      continue;
    }
    if (record.attempts.some((a) => a.attempt === folder.attempt)) continue;
    record.attempts.push({
      attempt: folder.attempt,
      status: "running",
      startedAt: folder.startedAt.toISOString(),
      ...(folder.notebook === undefined ? {} : { notebook: folder.notebook }),
      ...(folder.stderr === undefined ? {} : { stderr: folder.stderr }),
    });
    record.attempts.sort((a, b) => a.attempt - b.attempt);
    record.status = "running";
    record.startedAt ??= folder.startedAt.toISOString();
  }
}

/**
 * Adds a `running` instance for every slug whose attempt folders hold a notebook or stderr but
 * that the summary does not mention (a run written before the plan span existed, or one whose
 * plan did not list it). Pure.
 *
 * @param summary The rebuilt summary.
 * @param folders The attempt folders on disk.
 * @returns The summary with those instances added at the end (the same object when there are
 *   none); their attempts start with the run.
 *
 * @example An instance only its folder tells of
 * ```ts
 * import { addUnlistedInstances } from "./attempt_folders.ts";
 * import type { RunSummary } from "./schema.ts";
 * const s: RunSummary = {
 *   formatVersion: 1, runId: "r", pipeline: { name: "p" }, status: "running", trigger: "local",
 *   startedAt: "2026-01-01T00:00:00.000Z", parameters: {}, tasks: [],
 * };
 * const out = addUnlistedInstances(s, [
 *   { slug: "x", attempt: 1, startedAt: new Date(0), stderr: "tasks/x/attempt-1/stderr.txt" },
 * ]);
 * console.assert(out.tasks[0]?.status === "running");
 * ```
 */
export function addUnlistedInstances(summary: RunSummary, folders: AttemptFolder[]): RunSummary {
  const known = new Set(summary.tasks.map((t) => t.slug));
  const bySlug = new Map<string, AttemptFolder[]>();
  for (const f of folders) {
    if (known.has(f.slug) || (f.notebook === undefined && f.stderr === undefined)) continue;
    bySlug.set(f.slug, [...(bySlug.get(f.slug) ?? []), f]);
  }
  const added: TaskRecord[] = [...bySlug.keys()].sort().map((slug) => ({
    id: slug,
    task: slug,
    slug,
    matrix: {},
    parameters: {},
    needs: [],
    notebook: "",
    status: "running",
    reason: "Still running when the run stopped: the notebook and stderr are as far as it got.",
    attempts: bySlug.get(slug)!.sort((a, b) => a.attempt - b.attempt).map((f) => ({
      attempt: f.attempt,
      status: "running",
      startedAt: summary.startedAt,
      ...(f.notebook === undefined ? {} : { notebook: f.notebook }),
      ...(f.stderr === undefined ? {} : { stderr: f.stderr }),
    })),
    values: {},
    metrics: [],
    artifacts: [],
  }));
  return added.length ? { ...summary, tasks: [...summary.tasks, ...added] } : summary;
}
