/**
 * The experiment pages' charts in a real headless Chromium, on a history of 200 runs (every
 * fifth from a pull request): the page's weight does not grow with the history, the charts come
 * from the data file, the axis is chosen from a `<select>`, hover names run, commit and value,
 * step curves overlay the ticked runs, and without scripts the page still states the data.
 *
 * @module
 */
import { join } from "node:path";
import { type Browser, chromium } from "./_deps.ts";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { BROWSER_PATH, ROOT, tempDir } from "./_helpers.ts";
import { historyRun, writeHistoryRuns } from "../testing/site_history.ts";
import { XSS_MARKER } from "./fixtures/make_runs.ts";
import { buildSite } from "../lib/site/build.ts";
import { CHROMIUM_ARGS } from "../testing/chromium.ts";
import { PREFIX, serve } from "./_browser.ts";

const SHOTS = join(ROOT, "tests", "__screenshots__");
const X = `<img src=x onerror="window.${XSS_MARKER}=1">`;
Deno.test({
  name: "experiment charts in Chromium: drawn from the data file, axis picked, hover names the run",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using dir = await tempDir("pynb-charts-");
    await writeHistoryRuns(join(dir.path, "runs"), 200);
    // A run whose names and values are hostile HTML: the charts show them as text.
    for (const i of [0, 1]) {
      // Older than the history, and only the summary task: the other pages stay as counted.
      const base = historyRun(-1 - i);
      const run = {
        ...base,
        runId: `evil-run-${i}`,
        tasks: base.tasks.filter((x) => x.task === "summary"),
      };
      const t = run.tasks.find((x) => x.task === "summary")!;
      t.parameters = { ...t.parameters, [X]: i === 0 ? X : `${X}2` };
      t.values = { [X]: i + 1 };
      t.metrics = [0, 1, 2].map((step) => ({ name: X, value: step + i, step }));
      await Deno.mkdir(join(dir.path, "runs", run.runId), { recursive: true });
      await Deno.writeTextFile(join(dir.path, "runs", run.runId, "run.json"), JSON.stringify(run));
    }
    const out = join(dir.path, "site");
    await buildSite([join(dir.path, "runs")], { out, baseUrl: PREFIX });
    const root = await Deno.realPath(out);
    const server = serve(root);
    const base = `http://127.0.0.1:${server.addr.port}${PREFIX}`;
    let browser: Browser | undefined;
    try {
      await t.step("the page stays small; the history is in the data file", async () => {
        const html = await Deno.readTextFile(join(out, "experiments", "benchmark.html"));
        assertOk(html.length < 120_000, `experiment page is ${html.length} bytes`);
        assertEquals(html.match(/class="cmp"/g)?.length, 50);
        const data = await Deno.readTextFile(join(out, "data", "experiments", "benchmark.js"));
        assertMatch(data, /^self\.pynbExperimentData=\{"v":1,"task":"benchmark"/);
        assertStringIncludes(html, "mean_auc over 800 instances: latest");
      });
      browser = await chromium.launch({ executablePath: BROWSER_PATH, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
          errors.push(m.text());
        }
      });
      page.on("response", (r) => {
        if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) {
          errors.push(`${r.status()} ${r.url()}`);
        }
      });
      page.on("pageerror", (e) => errors.push(e.message));

      await t.step(
        "a number against a parameter, with hover naming run, commit and value",
        async () => {
          await page.goto(`${base}experiments/benchmark.html`);
          await page.waitForSelector("#exp-charts[data-ready]");
          assertEquals(await page.locator(".static-charts").first().isVisible(), false);
          assertEquals(await page.inputValue("#chart-x"), "p0");
          assertStringIncludes(
            await page.textContent("#chart-x option:checked") ?? "",
            "nr_train_images",
          );
          const alt = await page.textContent("#chart-scatter .chart-alt") ?? "";
          assertStringIncludes(
            alt,
            "mean_auc against parameter nr_train_images: 640 default-branch points",
          );
          assertStringIncludes(alt, "160 pull-request points are hidden");
          await page.check("#chart-prs");
          assertStringIncludes(
            await page.textContent("#chart-scatter .chart-alt") ?? "",
            "640 default-branch points and 160 pull-request points",
          );
          await page.selectOption("#chart-x", "index");
          assertStringIncludes(
            await page.textContent("#chart-scatter .chart-alt") ?? "",
            "against run index",
          );
          const over = page.locator("#chart-scatter .u-over");
          const box = (await over.boundingBox())!;
          await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
          await page.mouse.move(box.x + box.width - 3, box.y + box.height * 0.2);
          for (
            let y = 0.05;
            y < 1 && !(await page.locator("#chart-scatter .chart-tip").isVisible());
            y += 0.05
          ) {
            await page.mouse.move(box.x + box.width - 3, box.y + box.height * y);
          }
          const tip = await page.textContent("#chart-scatter .chart-tip") ?? "";
          assertMatch(tip, /run 2026-\d\d-\d\dT\d\d-r198/);
          assertMatch(tip, /commit [0-9a-f]{7}/);
          assertMatch(tip, /mean_auc = 0\.\d+/);
          await Deno.mkdir(SHOTS, { recursive: true });
          await page.screenshot({ path: join(SHOTS, "experiment-charts.png"), fullPage: true });
        },
      );

      await t.step("step metrics overlay the ticked runs, smoothed", async () => {
        await page.goto(`${base}experiments/train-model.html`);
        await page.waitForSelector("#exp-charts[data-ready]");
        assertStringIncludes(
          await page.textContent("#chart-steps .chart-alt") ?? "",
          "loss over 10 steps for 5 instances",
        );
        await page.locator("input.cmp").nth(0).check();
        await page.locator("input.cmp").nth(1).check();
        const alt = await page.textContent("#chart-steps .chart-alt") ?? "";
        assertStringIncludes(alt, "loss over 10 steps for 2 instances (smoothing 0.6)");
        assertEquals(await page.locator("#chart-steps .u-legend .u-series").count(), 3);
        await page.fill("#step-smooth", "0");
        assertStringIncludes(
          await page.textContent("#chart-steps .chart-alt") ?? "",
          "(smoothing 0)",
        );
        assertEquals(await page.locator("#chart-durations .u-legend .u-series").count(), 5);
        assertEquals(await page.locator("#chart-parallel svg polyline").count(), 400);
        assertEquals(await page.locator("#chart-parallel .pc-name").count(), 3);
        await page.screenshot({ path: join(SHOTS, "experiment-steps.png"), fullPage: true });
      });

      await t.step(
        "without scripts the page shows the static charts and the data as text",
        async () => {
          const ctx = await browser!.newContext({ javaScriptEnabled: false });
          const p = await ctx.newPage();
          await p.goto(`${base}experiments/benchmark.html`);
          assertEquals(await p.locator(".static-charts svg.chart").count(), 1);
          assertStringIncludes(await p.textContent(".chart-summary") ?? "", "highest");
          await ctx.close();
        },
      );

      await t.step("hostile names are text in every chart, control and tooltip", async () => {
        await page.goto(`${base}experiments/summary.html`);
        await page.waitForSelector("#exp-charts[data-ready]");
        await page.check("#chart-prs");
        const over = page.locator("#chart-scatter .u-over");
        const box = (await over.boundingBox())!;
        for (let x = 0.02; x < 1; x += 0.08) {
          for (let y = 0.05; y < 1; y += 0.15) {
            await page.mouse.move(box.x + box.width * x, box.y + box.height * y);
          }
        }
        assertStringIncludes(await page.textContent("#chart-y") ?? "", X);
        assertStringIncludes(await page.textContent("#chart-steps .chart-alt") ?? "", X);
        assertEquals(await page.locator("#exp-charts img").count(), 0);
        assertEquals(
          await page.evaluate((m) => (globalThis as Record<string, unknown>)[m], XSS_MARKER),
          undefined,
        );
      });

      await t.step("at 390 px the page does not scroll sideways", async () => {
        await page.setViewportSize({ width: 390, height: 800 });
        await page.goto(`${base}experiments/train-model.html`);
        await page.waitForSelector("#exp-charts[data-ready]");
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assertOk(wide <= 390, `page is ${wide} px wide`);
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await t.step("the charts also draw from the file system", async () => {
        await page.goto(`file://${root}/experiments/benchmark.html`);
        await page.waitForSelector("#exp-charts[data-ready]");
        assertOk(await page.locator("#chart-scatter canvas").count() >= 1);
      });
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await server.shutdown();
    }
  },
});
