import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import { buildSite } from "./build.ts";

const PNG_B64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

function notebook(): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{
      cell_type: "code",
      execution_count: 1,
      metadata: {},
      source: "plot()",
      outputs: [{ output_type: "display_data", metadata: {}, data: { "image/png": PNG_B64 } }],
    }],
  });
}

/** A run whose one instance logs `model.bin` with the given content, and a figure output. */
async function writeRun(runs: string, i: number, model: string): Promise<string> {
  const runId = `2026-11-2${i}T06-00-00Z`;
  const dir = join(runs, runId);
  const rel = "tasks/train/attempt-1";
  await Deno.mkdir(join(dir, rel, "artifacts"), { recursive: true });
  await Deno.writeTextFile(join(dir, rel, "artifacts", "model.bin"), model);
  await Deno.writeTextFile(join(dir, rel, "notebook.ipynb"), notebook());
  const at = `2026-11-2${i}T06:00:00.000Z`;
  const t: TaskRecord = {
    id: "train",
    task: "train",
    slug: "train",
    matrix: {},
    parameters: {},
    needs: [],
    notebook: "train.py",
    status: "succeeded",
    startedAt: at,
    endedAt: at,
    durationSeconds: 1,
    attempts: [{
      attempt: 1,
      status: "succeeded",
      startedAt: at,
      notebook: `${rel}/notebook.ipynb`,
    }],
    values: {},
    metrics: [],
    artifacts: [{
      name: "model.bin",
      path: `${rel}/artifacts/model.bin`,
      size: model.length,
      // A wrong recorded hash: the store names files by the hash of what it reads.
      sha256: "0".repeat(64),
    }],
  };
  const summary: RunSummary = {
    formatVersion: 1,
    runId,
    pipeline: { name: "p" },
    status: "succeeded",
    trigger: "local",
    startedAt: at,
    endedAt: at,
    durationSeconds: 1,
    parameters: {},
    tasks: [t],
  };
  await Deno.writeTextFile(join(dir, "run.json"), JSON.stringify(summary));
  return runId;
}

function blobFiles(site: string): string[] {
  const out: string[] = [];
  try {
    for (const d of Deno.readDirSync(join(site, "blobs"))) {
      for (const f of Deno.readDirSync(join(site, "blobs", d.name))) out.push(f.name);
    }
  } catch { /* none */ }
  return out.sort();
}

Deno.test("buildSite() stores every artifact, notebook and figure once, by content hash", async (t) => {
  await using dir = await tempDir("pynb-blobs-");
  const runs = join(dir.path, "runs");
  const a = await writeRun(runs, 1, "weights v1");
  const b = await writeRun(runs, 2, "weights v1"); // a cached instance: the same bytes
  const c = await writeRun(runs, 3, "weights v2");
  const site = join(dir.path, "site");
  await buildSite([join(runs, a), join(runs, b)], { out: site });

  await t.step("identical files of two runs are one blob", async () => {
    // model.bin, the notebook and its figure: three blobs for two runs.
    const files = blobFiles(site);
    assertEquals(files.length, 3, files.join(", "));
    assertOk(files.some((f) => f.endsWith(".png")) && files.some((f) => f.endsWith(".ipynb")));
    assertEquals(files.some((f) => f.startsWith("0000000000")), false);
    const page = await Deno.readTextFile(join(site, "runs", b, "train.html"));
    assertStringIncludes(page, 'href="../../blobs/');
    assertStringIncludes(page, 'download="model.bin"');
  });

  await t.step("the instance page does not carry the figure inline", async () => {
    const page = await Deno.readTextFile(join(site, "runs", a, "train.html"));
    assertEquals(page.includes(PNG_B64), false);
    assertStringIncludes(
      page,
      '<img class="nb-img" alt="output image" src="../../blobs/',
    );
  });

  await t.step("the artifact cap also holds for notebooks; their figures stay", async () => {
    const capped = join(dir.path, "capped");
    await buildSite([join(runs, a)], { out: capped, maxArtifactBytes: 100 });
    const files = blobFiles(capped);
    assertEquals(files.some((f) => f.endsWith(".ipynb")), false, files.join(", "));
    assertOk(files.some((f) => f.endsWith(".png")));
    const page = await Deno.readTextFile(join(capped, "runs", a, "train.html"));
    assertStringIncludes(page, "notebook larger than 100 bytes: not copied");
    assertStringIncludes(page, '<img class="nb-img" alt="output image"');
  });

  await t.step("a build into a new folder carries the blobs; pruned runs' blobs go", async () => {
    const next = join(dir.path, "next");
    await buildSite([join(runs, c)], { out: next, previous: site, keepRuns: 2 });
    // Run a is pruned; b links model v1, c links model v2; notebook and figure are shared.
    assertEquals((blobFiles(next)).length, 4);
    const list = await Deno.readTextFile(join(next, "runs", b, "blobs.txt"));
    for (const rel of list.split("\n")) assertOk((await Deno.stat(join(next, rel))).isFile, rel);
    await buildSite([], { out: next, previous: next, keepRuns: 1 });
    assertEquals((blobFiles(next)).length, 3);
  });
});
