/**
 * A synthetic history for site tests and benches: N runs of a demo-shaped pipeline (12 task
 * instances: ingest, eda, split, train-model and benchmark over 4 `nr_train_images`, summary),
 * every fifth run from a pull request, with noisy values, a step metric and CI context.
 * {@linkcode writeHistoryRuns} writes only `run.json` (enough for the runs list and experiment
 * pages); with `files`, also an executed notebook per instance (benchmark ones with a figure
 * output that is also logged as a `roc.png` artifact, the way `log_figure` shows a figure), and
 * a `model.joblib` per train-model instance that is the same as the previous run's on every
 * second run (a cached instance).
 *
 * @module
 */
import { join } from "node:path";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";
import { historyTask } from "./run_history.ts";

/** Sizes of the `nr_train_images` matrix. */
export const SIZES = [600, 800, 1000, 1200] as const;

/** A deterministic pseudo-random number in [0, 1) from a seed. */
function noise(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * {@linkcode historyTask}'s record with this history's own slugs (`train-model-nr-train-images-600`)
 * and attempts that do not record their duration: the sites made from it, and the figures
 * measured on them in bench/README.md, depend on that shape.
 */
function task(
  id: string,
  name: string,
  start: number,
  seconds: number,
  extra: Partial<TaskRecord> = {},
): TaskRecord {
  const record = historyTask(id, name, start, seconds);
  const { durationSeconds: _, ...attempt } = record.attempts[0]!;
  return {
    ...record,
    slug: id.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, ""),
    attempts: [attempt],
    ...extra,
  };
}

/**
 * The summary of run `i` (0 is the oldest).
 *
 * @param i Run index.
 * @returns A valid run summary.
 */
export function historyRun(i: number): RunSummary {
  const start = Date.parse("2026-01-01T06:00:00Z") + i * 6 * 3_600_000;
  const pr = i % 5 === 4;
  const tasks: TaskRecord[] = [
    task("ingest", "ingest", start, 3 + noise(i) * 2, { values: { rows: 1797 } }),
    task("eda", "eda", start + 5000, 4 + noise(i + 1)),
    task("split", "split", start + 5000, 2 + noise(i + 2), {
      parameters: { data_lake_root: "data-lake", train_test_ratio: 0.7 },
    }),
  ];
  for (const n of SIZES) {
    const base = 0.8 + n / 10_000 + (pr ? -0.03 : 0) + noise(i * 7 + n) * 0.04;
    tasks.push(task(`train-model[nr_train_images=${n}]`, "train-model", start + 9000, n / 100, {
      matrix: { nr_train_images: n },
      parameters: { data_lake_root: "data-lake", nr_train_images: n },
      values: { train_accuracy: Number(base.toFixed(4)) },
      metrics: Array.from({ length: 10 }, (_, s) => ({
        name: "loss",
        value: Number((1 / (s + 1) + noise(i + s + n) * 0.1).toFixed(4)),
        step: s,
      })),
    }));
    tasks.push(task(`benchmark[nr_train_images=${n}]`, "benchmark", start + 30000, 3, {
      matrix: { nr_train_images: n },
      parameters: { data_lake_root: "data-lake", nr_train_images: n },
      metrics: [{ name: "mean_auc", value: Number((base + 0.02).toFixed(4)), step: null }],
    }));
  }
  tasks.push(task("summary", "summary", start + 40000, 2));
  const commit = Array.from({ length: 40 }, (_, k) => "0123456789abcdef"[(i * 7 + k * 3) % 16])
    .join("");
  return {
    formatVersion: 1,
    runId: `${new Date(start).toISOString().slice(0, 13)}-r${i}`,
    pipeline: { name: "mnist-digits-demo-pipeline" },
    status: "succeeded",
    trigger: pr ? "pull_request" : "schedule",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 45000).toISOString(),
    durationSeconds: 45,
    parameters: { data_lake_root: "data-lake" },
    ci: {
      provider: "github",
      repository: "owner/demo",
      event: pr ? "pull_request" : "schedule",
      branch: pr ? `feature-${i % 3}` : "main",
      commit,
      ...(pr ? { pullRequest: 100 + i } : {}),
      runId: String(9000 + i),
      url: `https://github.com/owner/demo/actions/runs/${9000 + i}`,
    },
    tasks,
  };
}

/**
 * Writes runs `from` to `from + count - 1` as run folders with only `run.json`.
 *
 * @param dir Folder of run folders (created).
 * @param count How many runs.
 * @param from Index of the first run.
 * @returns The run ids, oldest first.
 */
export async function writeHistoryRuns(
  dir: string,
  count: number,
  from = 0,
  options: { files?: boolean } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const s = historyRun(i);
    await Deno.mkdir(join(dir, s.runId), { recursive: true });
    if (options.files) writeFiles(join(dir, s.runId), s, i);
    await Deno.writeTextFile(join(dir, s.runId, "run.json"), JSON.stringify(s));
    ids.push(s.runId);
  }
  return ids;
}

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let k = 0; k < n; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 255;
  }
  return out;
}

function b64(data: Uint8Array): string {
  let bin = "";
  for (const b of data) bin += String.fromCharCode(b);
  return btoa(bin);
}

function writeFiles(folder: string, s: RunSummary, i: number): void {
  for (const t of s.tasks) {
    const rel = `tasks/${t.slug}/attempt-1`;
    Deno.mkdirSync(join(folder, rel, "artifacts"), { recursive: true });
    const n = Number(t.matrix.nr_train_images ?? 0);
    const outputs: unknown[] = [{ output_type: "stream", name: "stdout", text: `task ${t.id}\n` }];
    const sha = "0".repeat(64);
    if (t.task === "benchmark") {
      const png = bytes(24_000, i * 10_000 + n);
      Deno.writeFileSync(join(folder, rel, "artifacts", "roc.png"), png);
      t.artifacts.push({
        name: "roc.png",
        path: `${rel}/artifacts/roc.png`,
        size: png.length,
        sha256: sha,
        mediaType: "image/png",
      });
      outputs.push({ output_type: "display_data", metadata: {}, data: { "image/png": b64(png) } });
    }
    if (t.task === "train-model") {
      const model = bytes(60_000, (i - (i % 2)) * 10_000 + n);
      Deno.writeFileSync(join(folder, rel, "artifacts", "model.joblib"), model);
      t.artifacts.push({
        name: "model.joblib",
        path: `${rel}/artifacts/model.joblib`,
        size: model.length,
        sha256: sha,
      });
    }
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", metadata: {}, source: `# ${t.task}` },
        {
          cell_type: "code",
          execution_count: 1,
          metadata: { tags: ["injected-parameters"] },
          source: `P = ${JSON.stringify(t.parameters)}`,
          outputs: [],
        },
        { cell_type: "code", execution_count: 2, metadata: {}, source: "run()", outputs },
      ],
    };
    Deno.writeTextFileSync(join(folder, rel, "notebook.ipynb"), JSON.stringify(nb));
    Deno.writeTextFileSync(join(folder, rel, "stderr.txt"), "");
    t.attempts[0]!.notebook = `${rel}/notebook.ipynb`;
    t.attempts[0]!.stderr = `${rel}/stderr.txt`;
  }
}
