/**
 * A generated history for the experiment tracker's browser tests and bench: N run folders of the
 * demo pipeline's shape (ingest, split, train-model and benchmark over a matrix, summary), each a
 * `run.json` only, with dates a day apart, CI context on `main` and on pull-request branches,
 * some failures, and noisy metrics that drift with `nr_train_images` and `learning_rate`.
 * Deterministic: the same N gives the same runs.
 *
 * @module
 */
import { join } from "node:path";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";
import { RUN_FORMAT_VERSION } from "../lib/log/schema.ts";

/** Options of {@linkcode writeRunHistory}. */
export interface RunHistoryOptions {
  /**
   * Number of runs.
   * @default 1000
   */
  runs?: number;
  /**
   * Matrix values of `nr_train_images` (one train and one benchmark instance each).
   * @default [600, 1200]
   */
  matrix?: number[];
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The run id of run `i` (0 is the oldest). */
export function historyRunId(i: number): string {
  const day = new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  return `${day}T06-00-00Z-r${String(i).padStart(4, "0")}`;
}

/**
 * A succeeded task record of the history's shape: one attempt, `data_lake_root` as the only
 * parameter, no values, metrics or artifacts, and a slug made of the id's safe characters.
 *
 * @param id Instance id, e.g. `train-model[nr_train_images=600]`.
 * @param name Task name.
 * @param start When it started, in milliseconds since the epoch.
 * @param seconds How long it took.
 * @param extra Fields that replace the defaults.
 * @returns The record.
 */
export function historyTask(
  id: string,
  name: string,
  start: number,
  seconds: number,
  extra: Partial<TaskRecord> = {},
): TaskRecord {
  const startedAt = new Date(start).toISOString();
  const endedAt = new Date(start + seconds * 1000).toISOString();
  return {
    id,
    task: name,
    slug: id.replace(/[^A-Za-z0-9._-]+/g, "_"),
    matrix: {},
    parameters: { data_lake_root: "data-lake" },
    needs: [],
    notebook: `notebooks/${name}.py`,
    status: "succeeded",
    startedAt,
    endedAt,
    durationSeconds: seconds,
    attempts: [{ attempt: 1, status: "succeeded", startedAt, endedAt, durationSeconds: seconds }],
    values: {},
    metrics: [],
    artifacts: [],
    ...extra,
  };
}

/**
 * Builds the summary of run `i` of the history.
 *
 * @param i Index of the run, 0 the oldest.
 * @param matrix Values of `nr_train_images`.
 * @returns The run's summary.
 */
export function historyRun(i: number, matrix: number[] = [600, 1200]): RunSummary {
  const rnd = random(i + 1);
  const start = Date.UTC(2024, 0, 1, 6) + i * 86_400_000;
  const pr = i % 5 === 3;
  const lr = [0.1, 0.01, 0.001][i % 3]!;
  const failed = i % 17 === 5;
  const tasks: TaskRecord[] = [
    historyTask("ingest", "ingest", start, 2 + rnd(), { values: { rows: 1797 } }),
    historyTask("split", "split", start + 3000, 1 + rnd(), {
      parameters: { data_lake_root: "data-lake", train_test_ratio: 0.7 },
      values: { train_rows: 1258, test_rows: 539 },
    }),
  ];
  for (const n of matrix) {
    const matrixValues = { nr_train_images: n };
    const auc = 0.8 + n / 12000 + (lr === 0.01 ? 0.03 : 0) + (rnd() - 0.5) * 0.02;
    tasks.push(
      historyTask(`train-model[nr_train_images=${n}]`, "train-model", start + 5000, 5 + rnd() * 3, {
        matrix: matrixValues,
        parameters: { data_lake_root: "data-lake", nr_train_images: n },
        values: { accuracy: Number((auc - 0.05).toFixed(4)) },
        metrics: Array.from({ length: 5 }, (_, s) => ({
          name: "loss",
          value: Number((1 / (s + 1) + rnd() * 0.05).toFixed(4)),
          step: s,
        })),
      }),
    );
    const bad = failed && n === matrix.at(-1);
    tasks.push(
      historyTask(`benchmark[nr_train_images=${n}]`, "benchmark", start + 12000, 3 + rnd(), {
        matrix: matrixValues,
        parameters: { data_lake_root: "data-lake", nr_train_images: n },
        ...(bad
          ? {
            status: "failed",
            attempts: [{
              attempt: 1,
              status: "failed",
              startedAt: new Date(start + 12000).toISOString(),
              error: { ename: "ValueError", evalue: "bad split", traceback: [] },
            }],
          }
          : { values: { mean_auc: Number(auc.toFixed(4)) } }),
      }),
    );
  }
  tasks.push(
    historyTask("summary", "summary", start + 20000, 1, failed ? { status: "skipped" } : {}),
  );
  const duration = 25 + rnd() * 5;
  const sha = Array.from({ length: 40 }, (_, k) => "0123456789abcdef"[(i * 7 + k * 13) % 16]).join(
    "",
  );
  return {
    formatVersion: RUN_FORMAT_VERSION,
    runId: historyRunId(i),
    pipeline: { name: "mnist-digits-demo-pipeline" },
    status: failed ? "failed" : "succeeded",
    trigger: pr ? "pull_request" : i % 7 === 0 ? "push" : "schedule",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + duration * 1000).toISOString(),
    durationSeconds: duration,
    parameters: { data_lake_root: "data-lake", learning_rate: lr },
    ci: {
      provider: "github",
      repository: "acme/mnist",
      branch: pr ? `feature/try-${i % 4}` : "main",
      commit: sha,
      ...(pr ? { pullRequest: 100 + i } : {}),
      event: pr ? "pull_request" : "schedule",
      url: `https://github.com/acme/mnist/actions/runs/${9000 + i}`,
    },
    tasks,
  };
}

/**
 * Writes the history's run folders (`<dir>/<run id>/run.json`).
 *
 * @param dir Folder to write into; created if needed.
 * @param options Number of runs and matrix.
 * @returns The run ids, oldest first.
 *
 * @example A small history
 * ```ts ignore
 * const ids = await writeRunHistory("runs", { runs: 10 });
 * ```
 */
export async function writeRunHistory(
  dir: string,
  options: RunHistoryOptions = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < (options.runs ?? 1000); i++) {
    const run = historyRun(i, options.matrix);
    await Deno.mkdir(join(dir, run.runId), { recursive: true });
    await Deno.writeTextFile(join(dir, run.runId, "run.json"), JSON.stringify(run));
    ids.push(run.runId);
  }
  return ids;
}
