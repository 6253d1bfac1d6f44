/**
 * The GitHub integration's costs.
 *
 * - `extractRunFolders()` of one artifact zip holding 20 run folders (200 files, 20 MiB of
 *   incompressible data), against two baselines in the same run: `unzipSync` of the same zip
 *   into memory (decompression alone, no checks, no writes) and writing the same 200 files
 *   with `Deno.writeFile` (the file system alone).
 * - `collectRuns()` of 20 artifacts from the fake GitHub API on loopback: a first call
 *   (list, download, extract, fill the cache) against a second one (list only: every run is
 *   already there) and one into a fresh folder from the cache (no download).
 * - `renderSummary()` of a 1,000-instance run with metrics, against `JSON.stringify` of it.
 *
 * Run: `deno bench -A bench/github_bench.ts` (or `deno task bench`).
 *
 * @module
 */
import { join } from "node:path";
import { unzipSync } from "../deps/github.ts";
import { zipSync } from "../deps_test.ts";
import { demoRun } from "../testing/github_fixtures.ts";
import { type FakeArtifact, startFakeGitHub } from "../testing/github_fake_api.ts";
import { extractRunFolders } from "../lib/github/zip.ts";
import { collectRuns } from "../lib/github/collect.ts";
import { renderSummary } from "../lib/github/summary.ts";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";

const MiB = 1024 * 1024;

function noise(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(out.subarray(o, o + 65536));
  return out;
}

type Tree = { [name: string]: Uint8Array | Tree };

/** A run folder as a zip tree: run.json, spans, and `files` attempt files of `size` bytes. */
function runTree(runId: string, files: number, size: number): Tree {
  const tasks: Tree = {};
  for (let i = 0; i < files; i++) {
    tasks[`task-${i}`] = { "attempt-1": { "notebook.ipynb": noise(size) } };
  }
  const run = { ...demoRun("base"), runId };
  return {
    [runId]: {
      "run.json": new TextEncoder().encode(JSON.stringify(run)),
      "spans.jsonl": new Uint8Array(),
      tasks,
    },
  };
}

const big: Tree = {};
for (let r = 0; r < 20; r++) Object.assign(big, runTree(`run-${r}`, 8, 128 * 1024));
const BIG_ZIP = zipSync(big);
const FILES = Object.entries(unzipSync(BIG_ZIP)).filter(([name]) => !name.endsWith("/"));

const root = await Deno.makeTempDir({ prefix: "pynb-bench-github-" });
let n = 0;

Deno.bench("unzipSync into memory (baseline)", { group: "extract", baseline: true }, () => {
  unzipSync(BIG_ZIP);
});

Deno.bench("write the same files, no zip (baseline)", { group: "extract" }, async () => {
  const dir = join(root, `w${n++}`);
  for (const [name, data] of FILES) {
    const path = join(dir, name);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(path, data);
  }
});

Deno.bench("extractRunFolders(), 20 runs, 20 MiB", { group: "extract" }, async () => {
  const res = await extractRunFolders(BIG_ZIP, join(root, `x${n++}`), { name: "bench" });
  if (res.written.length !== 20) throw new Error("Cannot benchmark: expected 20 run folders");
});

// collect: 20 artifacts of 1 MiB each behind the fake API.
const TOKEN = "bench-token";
const artifacts: FakeArtifact[] = [];
for (let i = 1; i <= 20; i++) {
  artifacts.push({
    id: i,
    name: `pynb-run-v1-${i}-1`,
    zip: zipSync(runTree(`c-${i}`, 4, MiB / 4)),
    digest: true,
  });
}
const fake = await startFakeGitHub({ token: TOKEN, artifacts, pageSize: 100 });
const collectOptions = (cacheDir: string) => ({
  apiUrl: fake.apiUrl,
  token: TOKEN,
  cacheDir,
  log: () => {},
});

Deno.bench(
  "collectRuns(), first call: 20 downloads",
  { group: "collect", baseline: true },
  async () => {
    const dir = join(root, `c${n++}`);
    const report = await collectRuns(
      "octo/demo",
      join(dir, "runs"),
      collectOptions(join(dir, "cache")),
    );
    if (report.collected.length !== 20) throw new Error("Cannot benchmark: expected 20 artifacts");
  },
);

const warm = join(root, "warm");
await collectRuns("octo/demo", join(warm, "runs"), collectOptions(join(warm, "cache")));

Deno.bench("collectRuns(), second call: all present", { group: "collect" }, async () => {
  const report = await collectRuns(
    "octo/demo",
    join(warm, "runs"),
    collectOptions(join(warm, "cache")),
  );
  if (report.collected.some((a) => a.source !== "present")) {
    throw new Error("Cannot benchmark: expected no work");
  }
});

Deno.bench("collectRuns(), fresh folder from the cache", { group: "collect" }, async () => {
  const report = await collectRuns(
    "octo/demo",
    join(root, `f${n++}`),
    collectOptions(join(warm, "cache")),
  );
  if (report.collected.some((a) => a.source !== "cached")) {
    throw new Error("Cannot benchmark: expected the cache");
  }
});

// summary of a 1,000-instance run.
const template = demoRun("base");
const tasks: TaskRecord[] = [];
for (let i = 0; i < 1000; i++) {
  const t = template.tasks[i % 3]!;
  tasks.push({
    ...t,
    id: `train[shard=${i}]`,
    slug: `train_shard_${i}`,
    needs: i < 10 ? [] : [`train[shard=${i - 10}]`],
    metrics: [{ name: "loss", value: 1 / (i + 1), step: 1 }, {
      name: "accuracy",
      value: i / 1000,
      step: null,
    }],
    values: { note: `value ${i} | <b>` },
  });
}
const large: RunSummary = { ...template, tasks };

Deno.bench("JSON.stringify of the run (baseline)", { group: "summary", baseline: true }, () => {
  JSON.stringify(large);
});

Deno.bench("renderSummary(), 1,000 instances, compared", { group: "summary" }, () => {
  renderSummary(large, { baseline: large });
});

globalThis.addEventListener("unload", () => {
  void fake[Symbol.asyncDispose]();
  Deno.removeSync(root, { recursive: true });
});
