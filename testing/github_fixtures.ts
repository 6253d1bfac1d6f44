/**
 * Run folders for the GitHub integration tests, generated in the test: valid `run.json` files
 * (checked against the schema when written) with fixed timestamps so the output is stable.
 *
 * @module
 */
import { join } from "node:path";
import { zipSync } from "../deps_test.ts";
import { type RunSummary, RunSummarySchema, type TaskRecord } from "../lib/log/schema.ts";

const T0 = Date.parse("2026-11-27T04:00:00.000Z");

function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

function task(
  id: string,
  fields: Partial<TaskRecord> & { start?: number; seconds?: number },
): TaskRecord {
  const { start = 0, seconds = 2, ...rest } = fields;
  const slug = id.replace(/[^A-Za-z0-9_-]+/g, "_");
  const record: TaskRecord = {
    id,
    task: id.replace(/\[.*$/, ""),
    slug,
    matrix: {},
    parameters: {},
    needs: [],
    notebook: `notebooks/${id.replace(/\[.*$/, "")}.py`,
    status: "succeeded",
    startedAt: at(start),
    endedAt: at(start + seconds),
    durationSeconds: seconds,
    attempts: [{
      attempt: 1,
      status: "succeeded",
      startedAt: at(start),
      endedAt: at(start + seconds),
      durationSeconds: seconds,
      notebook: `tasks/${slug}/attempt-1/notebook.ipynb`,
    }],
    values: {},
    metrics: [],
    artifacts: [],
    ...rest,
  };
  if (record.status === "skipped") {
    delete record.startedAt;
    delete record.endedAt;
    delete record.durationSeconds;
  }
  return record;
}

/**
 * A demo-like run: a matrix, metrics, values, one failure with an ANSI traceback, one skipped
 * instance, and hostile text in names and values.
 *
 * @param variant `head` is the run under review, `base` the baseline with other metrics.
 * @returns A valid run summary.
 */
export function demoRun(variant: "head" | "base" = "head"): RunSummary {
  const head = variant === "head";
  const hostile = "<img src=x onerror=alert(1)>|`x`";
  const tasks: TaskRecord[] = [
    task("ingest", { seconds: 3.2, values: { rows: 1797, source: "sklearn | digits" } }),
    task("split", { needs: ["ingest"], start: 3.2, seconds: 1.5 }),
    task("train-model[nr_train_images=600]", {
      needs: ["split"],
      start: 4.7,
      seconds: 12,
      matrix: { nr_train_images: 600 },
      metrics: [
        { name: "loss", value: 0.9, step: 0 },
        { name: "loss", value: head ? 0.31 : 0.35, step: 1 },
        { name: "accuracy", value: head ? 0.912 : 0.9, step: null },
      ],
    }),
    task("train-model[nr_train_images=800]", {
      needs: ["split"],
      start: 4.7,
      seconds: 14,
      matrix: { nr_train_images: 800 },
      status: head ? "failed" : "succeeded",
      metrics: head ? [] : [{ name: "accuracy", value: 0.93, step: null }],
      attempts: [{
        attempt: 1,
        status: head ? "failed" : "succeeded",
        startedAt: at(4.7),
        endedAt: at(18.7),
        durationSeconds: 14,
        ...(head
          ? {
            error: {
              ename: "ValueError",
              evalue: `bad shape ${hostile}`,
              traceback: [
                "\u001b[0;31m---------------------------------------------------------------------------\u001b[0m",
                "\u001b[0;31mValueError\u001b[0m                                Traceback (most recent call last)",
                "Cell \u001b[0;32mIn[3], line 2\u001b[0m\n\u001b[1;32m      1\u001b[0m x = 1\n\u001b[0;32m----> 2\u001b[0m fit(x)",
                "\u001b[0;31mValueError\u001b[0m: bad shape ```\n# not a heading",
              ],
              cellIndex: 3,
            },
          }
          : {}),
      }],
    }),
    task(`report[title=${hostile}]`, {
      needs: ["train-model[nr_train_images=600]", "train-model[nr_train_images=800]"],
      matrix: { title: hostile },
      ...(head
        ? {
          status: "skipped" as const,
          reason: "upstream train-model[nr_train_images=800] failed",
          attempts: [],
        }
        : { start: 18.7, seconds: 1 }),
      values: head ? {} : { note: "ok" },
    }),
  ];
  const summary: RunSummary = {
    formatVersion: 1,
    runId: head ? "2026-11-27T04-00-00Z-head" : "2026-11-26T04-00-00Z-base",
    pipeline: { name: "mnist-digits-demo-pipeline", file: "pipeline.yaml" },
    status: head ? "failed" : "succeeded",
    trigger: head ? "pull_request" : "schedule",
    startedAt: at(0),
    endedAt: at(19.7),
    durationSeconds: 19.7,
    parameters: { data_lake_root: "data-lake" },
    ci: {
      provider: "github",
      repository: "octo/demo",
      runId: "123",
      runAttempt: "1",
      event: head ? "pull_request" : "schedule",
      branch: head ? "feature/x" : "main",
      commit: head
        ? "0123456789abcdef0123456789abcdef01234567"
        : "fedcba9876543210fedcba9876543210fedcba98",
      ...(head ? { pullRequest: 42 } : { url: "https://github.com/octo/demo/actions/runs/122" }),
    },
    tasks,
  };
  return RunSummarySchema.parse(summary);
}

/**
 * Writes a run folder (`run.json`, an empty `spans.jsonl`, the attempt folders) under `parent`.
 *
 * @param parent Folder to create the run folder in.
 * @param summary The run.
 * @returns The run folder's path.
 */
export async function writeRun(parent: string, summary: RunSummary): Promise<string> {
  const folder = join(parent, summary.runId);
  await Deno.mkdir(folder, { recursive: true });
  for (const t of summary.tasks) {
    for (const a of t.attempts) {
      const dir = join(folder, "tasks", t.slug, `attempt-${a.attempt}`);
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "stderr.txt"), "");
    }
  }
  await Deno.writeTextFile(join(folder, "spans.jsonl"), "");
  await Deno.writeTextFile(join(folder, "run.json"), JSON.stringify(summary, null, 2));
  return folder;
}

type Tree = { [name: string]: Uint8Array | Tree };

async function readTree(dir: string): Promise<Tree> {
  const out: Tree = {};
  for await (const e of Deno.readDir(dir)) {
    out[e.name] = e.isDirectory
      ? await readTree(join(dir, e.name))
      : await Deno.readFile(join(dir, e.name));
  }
  return out;
}

/**
 * A zip like `actions/upload-artifact` makes of `path: runs/`: one top-level run folder.
 *
 * @param scratch A folder to write the run folder in first.
 * @param run The run.
 * @returns The zip's bytes.
 */
export async function runZip(scratch: string, run: RunSummary): Promise<Uint8Array> {
  return zipSync({ [run.runId]: await readTree(await writeRun(scratch, run)) });
}
