/**
 * The demo end to end: `examples/demo.ts` under the permission flags of `deno task demo` runs
 * the mnist-digits pipeline through the real `cli.ts run` (real Jupyter kernels, real
 * scikit-learn) and builds its website with `cli.ts site`.
 *
 * For speed the pipeline runs on a copy whose matrix has two training sizes instead of four
 * (eight instances instead of twelve); the real pipeline file is planned in full.
 *
 * @module
 */
import { join } from "node:path";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";
import { serveSite } from "../examples/serve.ts";
import {
  BROWSER_PATH,
  DEMO_DIR,
  ROOT,
  runCliProcess,
  SMALL_MATRIX,
  smallDemo,
  tempDir,
} from "./_helpers.ts";
import { assertEquals, assertMatch, assertOk, assertStringIncludes, chromium } from "./_deps.ts";
import { CHROMIUM_ARGS } from "../testing/chromium.ts";

/** The permission flags of `deno task demo`, read from deno.json so the test runs exactly them. */
async function demoTaskFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const command: string = config.tasks.demo.command;
  const flags = command.split(/\s+/).filter((part) => part.startsWith("--allow-"));
  assertOk(flags.length > 0, `no permission flags in the demo task: ${command}`);
  return flags;
}

async function runDemo(args: string[], env: Record<string, string> = {}) {
  return await runCliProcess(args, {
    flags: await demoTaskFlags(),
    entry: join(ROOT, "examples", "demo.ts"),
    env: { PYDEVD_DISABLE_FILE_VALIDATION: "1", ...env },
  });
}

function metric(task: TaskRecord, name: string): number {
  const points = task.metrics.filter((m) => m.name === name);
  assertOk(points.length > 0, `${task.id} logged no metric ${name}`);
  return points.at(-1)!.value;
}

function tasksOf(summary: RunSummary, name: string): TaskRecord[] {
  return summary.tasks.filter((t) => t.task === name);
}

async function isPng(path: string): Promise<boolean> {
  const bytes = await Deno.readFile(path);
  return [137, 80, 78, 71, 13, 10, 26, 10].every((b, i) => bytes[i] === b);
}

/**
 * Serves the site with `examples/serve.ts`, visits every page reachable from the index in
 * headless Chromium, and lists what went wrong: console errors, failed requests, images that
 * did not load, links that lead nowhere.
 */
async function crawlSite(site: string): Promise<string[]> {
  const stop = new AbortController();
  const server = await serveSite(site, { port: 0, signal: stop.signal });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const browser = await chromium.launch({
    executablePath: BROWSER_PATH,
    args: CHROMIUM_ARGS,
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    let current = "";
    page.on("console", (msg) => {
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
        problems.push(`${current}: console: ${msg.text()}`);
      }
    });
    page.on("pageerror", (err) => problems.push(`${current}: ${err.message}`));
    page.on("response", (res) => {
      // Browsers ask for /favicon.ico on their own; the site does not have to answer.
      if (res.status() >= 400 && !res.url().endsWith("/favicon.ico")) {
        problems.push(`${current}: ${res.status()} ${res.url()}`);
      }
    });
    const queue = [`${origin}/`];
    const seen = new Set(queue);
    while (queue.length > 0 && seen.size <= 200) {
      current = queue.shift()!;
      await page.goto(current, { waitUntil: "load" });
      const broken = await page.$$eval(
        "img",
        (imgs) => imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src),
      );
      for (const src of broken) problems.push(`${current}: image did not load: ${src}`);
      const links = await page.$$eval(
        "a[href]",
        // getAttribute: the DAG's SVG links have no string `href` property.
        (as) => as.map((a) => new URL(a.getAttribute("href") ?? "", document.baseURI).href),
      );
      for (const link of links) {
        const url = new URL(link);
        url.hash = "";
        const next = url.href;
        if (url.origin !== origin || seen.has(next)) continue;
        seen.add(next);
        if (/(\.html|\/)$/.test(url.pathname)) {
          queue.push(next);
        } else {
          // Artifacts, notebooks, stderr files: they must exist, not render.
          const res = await fetch(next, { method: "HEAD" });
          if (res.status !== 200) problems.push(`${current}: ${res.status} ${next}`);
        }
      }
    }
    assertOk(seen.size >= 4 + 2 * SMALL_MATRIX.length, `only ${seen.size} pages reachable`);
  } finally {
    await browser.close();
    stop.abort();
    await server.finished;
  }
  return problems;
}

Deno.test("the demo pipeline plans six tasks into twelve instances", async () => {
  const result = await runCliProcess([
    "plan",
    join(DEMO_DIR, "pipeline.yaml"),
    "--format",
    "json",
  ], { flags: ["--allow-read"] });
  assertEquals(result.code, 0, result.stderr);
  const plan = JSON.parse(result.stdout) as {
    instances: { id: string; task: string; needs: string[]; parameters: Record<string, unknown> }[];
  };
  const ids = plan.instances.map((i) => i.id);
  assertEquals(ids.length, 12);
  const bench = plan.instances.find((i) => i.id === "benchmark-model[nr_train_images=800]");
  assertEquals(bench?.needs.sort(), ["split-train-test", "train-model[nr_train_images=800]"]);
  const summary = plan.instances.find((i) => i.id === "summary");
  assertEquals(summary?.needs.length, 4);
  const split = plan.instances.find((i) => i.id === "split-train-test");
  assertEquals(split?.parameters.train_test_ratio, 0.7);
});

Deno.test("deno task demo runs the pipeline and builds a website of sane results", async (t) => {
  await using dir = await tempDir("pynb-demo-test-");
  const pipeline = await smallDemo(dir.path);
  const runs = join(dir.path, "runs");
  const site = join(dir.path, "_site");

  const result = await runDemo([
    "--no-install",
    "--pipeline",
    pipeline,
    "--runs",
    runs,
    "--site",
    site,
  ]);
  assertEquals(result.code, 0, `demo failed:\n${result.stderr}\n${result.stdout}`);
  assertStringIncludes(result.stdout, "every task of the demo succeeded");
  assertStringIncludes(result.stdout, `file://${site}/index.html`);
  assertStringIncludes(result.stdout, "training images   mean AUC   test accuracy");
  for (const n of SMALL_MATRIX) {
    assertMatch(result.stdout, new RegExp(`^ +${n} +0\\.9\\d{3} +0\\.\\d{4}$`, "m"));
  }

  const folders: string[] = [];
  for await (const entry of Deno.readDir(runs)) if (entry.isDirectory) folders.push(entry.name);
  assertEquals(folders.length, 1);
  const { summary } = await readRunFolder(join(runs, folders[0]!));

  await t.step("every instance succeeded", () => {
    assertEquals(summary.status, "succeeded");
    const expected = 4 + 2 * SMALL_MATRIX.length;
    assertEquals(summary.tasks.length, expected);
    const failed = summary.tasks.filter((task) => task.status !== "succeeded");
    assertEquals(failed.map((task) => `${task.id}: ${task.status}`), []);
  });

  await t.step("ingest and split log the data sizes", () => {
    const [ingest] = tasksOf(summary, "ingest");
    assertEquals(ingest?.values.data_shape, [1797, 64]);
    assertEquals(ingest?.values.target_shape, [1797]);
    const [split] = tasksOf(summary, "split-train-test");
    assertEquals(split?.values.nr_train_images, 1257);
    assertEquals(split?.values.nr_test_images, 540);
  });

  await t.step("every model has a mean AUC above 0.9", () => {
    const benchmarks = tasksOf(summary, "benchmark-model");
    assertEquals(
      benchmarks.map((b) => Number(b.matrix.nr_train_images)).sort((a, b) => a - b),
      SMALL_MATRIX,
    );
    for (const bench of benchmarks) {
      const mean = metric(bench, "mean_auc");
      assertOk(mean > 0.9 && mean <= 1, `${bench.id}: mean AUC ${mean}`);
      const perDigit = bench.values.auc_per_digit as Record<string, number>;
      assertEquals(Object.keys(perDigit).sort(), [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
      ]);
      const average = Object.values(perDigit).reduce((a, b) => a + b, 0) / 10;
      assertOk(Math.abs(average - mean) < 1e-5, `${bench.id}: mean AUC is not the mean`);
    }
    for (const train of tasksOf(summary, "train-model")) {
      assertOk(metric(train, "train_accuracy") > 0.9, `${train.id}: training accuracy`);
    }
  });

  await t.step("the summary compares every model", () => {
    const [summaryTask] = tasksOf(summary, "summary");
    const models = summaryTask?.values.models as { nr_train_images: number; mean_auc: number }[];
    assertEquals(models.map((m) => m.nr_train_images), SMALL_MATRIX);
    for (const bench of tasksOf(summary, "benchmark-model")) {
      const row = models.find((m) => m.nr_train_images === bench.matrix.nr_train_images);
      assertOk(row && Math.abs(row.mean_auc - metric(bench, "mean_auc")) < 1e-5);
    }
  });

  await t.step("figures and the models are stored as artifacts", async () => {
    const wanted: [string, string][] = [
      ["eda", "images-per-digit.png"],
      ["eda", "pixel-values.png"],
      ["eda", "example-images.png"],
      ["summary", "mean-auc-vs-training-size.png"],
      ...tasksOf(summary, "benchmark-model").flatMap((b): [string, string][] => [
        [b.id, "roc-curves.png"],
        [b.id, "confusion-matrix.png"],
      ]),
    ];
    for (const [id, name] of wanted) {
      const task = summary.tasks.find((task) => task.id === id);
      const artifact = task?.artifacts.find((a) => a.name === name);
      assertOk(artifact, `${id} has no artifact ${name}`);
      const path = join(runs, folders[0]!, artifact.path);
      assertOk(await isPng(path), `${path} is not a PNG`);
      assertEquals((await Deno.stat(path)).size, artifact.size);
    }
    for (const train of tasksOf(summary, "train-model")) {
      const model = train.artifacts.find((a) => a.name === "model.joblib");
      assertOk(model && model.size > 1000, `${train.id} stored no model`);
    }
  });

  await t.step("notebooks run without warnings and show their figures inline", async () => {
    assertOk(!result.stderr.includes("warning:"), `the run warned:\n${result.stderr}`);
    for (const bench of tasksOf(summary, "benchmark-model")) {
      const path = bench.attempts.at(-1)?.notebook;
      assertOk(path, `${bench.id} has no executed notebook`);
      const notebook = JSON.parse(await Deno.readTextFile(join(runs, folders[0]!, path))) as {
        cells: { outputs?: { data?: Record<string, unknown> }[] }[];
      };
      const images = notebook.cells.flatMap((c) => c.outputs ?? [])
        .filter((o) => o.data?.["image/png"] !== undefined);
      assertEquals(images.length, 2, `${bench.id}: ROC curves and confusion matrix inline`);
    }
  });

  await t.step("the website shows the run", async () => {
    const index = await Deno.readTextFile(join(site, "index.html"));
    assertStringIncludes(index, "mnist-digits");
    const pages: string[] = [];
    async function walk(folder: string) {
      for await (const entry of Deno.readDir(folder)) {
        const path = join(folder, entry.name);
        if (entry.isDirectory) await walk(path);
        else if (entry.name.endsWith(".html")) pages.push(path);
      }
    }
    await walk(site);
    let sawAuc = false;
    let sawRocImage = false;
    for (const page of pages) {
      const html = await Deno.readTextFile(page);
      sawAuc ||= html.includes("mean_auc");
      sawRocImage ||= /<img[^>]+roc-curves\.png/.test(html);
    }
    assertOk(sawAuc, "no page shows the mean_auc metric");
    assertOk(sawRocImage, "no page previews roc-curves.png");
    assertMatch(index, /<html/i);
  });

  await t.step("every page loads in Chromium, served by deno task serve", async () => {
    const problems = await crawlSite(site);
    assertEquals(problems, []);
  });
});

Deno.test("deno task demo exits 2 with one message for bad input", async (t) => {
  await using dir = await tempDir();
  await t.step("an unusable --python", async () => {
    const result = await runDemo(["--python", join(dir.path, "no-such-python")]);
    assertEquals(result.code, 2, result.stderr);
    assertMatch(result.stderr, /^error: Cannot use the Python interpreter '.*no-such-python'/);
    assertOk(!result.stderr.includes("    at "), "no stack trace");
    assertEquals(result.stdout, "");
  });
  await t.step("PYNB_PYTHON naming an interpreter that does not exist", async () => {
    const result = await runDemo([], { PYNB_PYTHON: join(dir.path, "gone", "python3") });
    assertEquals(result.code, 2, result.stderr);
    assertMatch(result.stderr, /^error: Cannot use .*gone\/python3' given by PYNB_PYTHON/);
  });
  await t.step("an unknown option", async () => {
    const result = await runDemo(["--bogus"]);
    assertEquals(result.code, 2, result.stderr);
    assertEquals(
      result.stderr,
      "error: Cannot run the demo: Unknown option '--bogus' (see --help)\n",
    );
  });
  await t.step("a --param the pipeline does not have, passed on to cli.ts run", async () => {
    const result = await runDemo(["--no-install", "--param", "no_such_param=1"]);
    assertEquals(result.code, 2, result.stderr);
    assertMatch(result.stderr, /--param no_such_param names no parameter/);
  });
  await t.step("a pipeline file that does not exist", async () => {
    const result = await runDemo(["--no-install", "--pipeline", join(dir.path, "nope.yaml")]);
    assertEquals(result.code, 2, result.stderr);
    assertStringIncludes(result.stderr, "nope.yaml");
    assertOk(!result.stderr.includes("    at "), "no stack trace");
  });
});

/**
 * Processes whose command line or environment mentions `text`: a kernel's environment holds
 * its attempt folder (`PYNB_ATTEMPT_DIR`), so a kernel left behind by a run shows up here.
 */
async function processesMentioning(text: string): Promise<string[]> {
  // A process in its last moments is not left behind: give exits already under way a moment.
  for (let i = 0; i < 20 && (await scanProcesses(text)).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return await scanProcesses(text);
}

/** What a failure report needs to tell which process was left: state, parent, command, PYNB_*. */
async function describeProcess(pid: string): Promise<string> {
  const read = (file: string) =>
    Deno.readTextFile(`/proc/${pid}/${file}`).catch(() => "").then((t) => t.replaceAll("\0", " "));
  const status = await read("status");
  const field = (name: string) => status.match(new RegExp(`^${name}:\\s*(.*)$`, "m"))?.[1] ?? "?";
  const pynb = (await read("environ")).split(" ").filter((v) => v.startsWith("PYNB_")).join(" ");
  return `${pid} (state ${field("State")}, ppid ${field("PPid")}): ${
    (await read("cmdline")).slice(0, 160)
  } ${pynb}`;
}

async function scanProcesses(text: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    for (const file of ["cmdline", "environ"]) {
      try {
        const data = new TextDecoder().decode(await Deno.readFile(`/proc/${entry.name}/${file}`));
        if (data.includes(text)) {
          found.push(await describeProcess(entry.name));
          break;
        }
      } catch {
        // The process ended meanwhile.
      }
    }
  }
  return found;
}

Deno.test("Ctrl-C during deno task demo stops every kernel and records the run as cancelled", async () => {
  await using dir = await tempDir("pynb-demo-int-");
  const runs = join(dir.path, "runs");
  // setsid: a process group of its own, so the test can send SIGINT to it as a terminal would.
  const child = new Deno.Command("setsid", {
    args: [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-prompt",
      ...await demoTaskFlags(),
      "examples/demo.ts",
      "--no-install",
      "--runs",
      runs,
      "--site",
      join(dir.path, "_site"),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!/start\s+ingest/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    assertMatch(stderr, /start\s+ingest/);
    Deno.kill(-child.pid, "SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
  } finally {
    reader.releaseLock();
  }
  const status = await child.status;
  await stdout;
  assertEquals(status.code, 130, stderr);
  assertStringIncludes(stderr, "error: Cannot run the demo pipeline: interrupted.");
  const [folder] = await Array.fromAsync(Deno.readDir(runs));
  assertOk(folder, "no run folder");
  const { summary } = await readRunFolder(join(runs, folder.name));
  assertEquals(summary.status, "cancelled");
  assertEquals(await processesMentioning(runs), []);
});
