/**
 * The generated website in a real headless Chromium (Debian's `chromium`, or the Chrome in
 * `$PYNB_BROWSER`, via playwright-core), served under a sub-path the way GitHub Pages serves a
 * project site.
 *
 * @module
 */
import { join } from "node:path";
import { type Browser, chromium } from "./_deps.ts";
import { ARGS, PREFIX, serve, visit } from "./_browser.ts";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { BROWSER_PATH, ROOT, tempDir } from "./_helpers.ts";
import { FIXTURE_RUN_IDS, makeRuns, XSS_MARKER } from "./fixtures/make_runs.ts";
import { buildSite } from "../lib/site/build.ts";

const SHOTS = join(ROOT, "tests", "__screenshots__");
/** Run folders written by the real executor: a finished run and one killed with SIGKILL. */
const REAL_RUNS = join(ROOT, "tests", "fixtures", "runs");

Deno.test({
  name: "site in Chromium: pages load cleanly, links resolve, charts render, XSS never runs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using dir = await tempDir("pynb-browser-");
    await makeRuns(join(dir.path, "runs"));
    const out = join(dir.path, "site");
    await buildSite([join(dir.path, "runs"), REAL_RUNS], {
      out,
      title: "MNIST demo",
      baseUrl: PREFIX,
      now: new Date("2026-11-24T00:00:00Z"),
    });
    const server = serve(await Deno.realPath(out));
    const base = `http://127.0.0.1:${server.addr.port}${PREFIX}`;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: BROWSER_PATH, args: ARGS });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await Deno.mkdir(SHOTS, { recursive: true });

      await t.step("a crawl of every internal link finds no 404 and no console error", async () => {
        const seen = new Set<string>();
        const queue = [`${base}index.html`];
        const problems: string[] = [];
        let pages = 0;
        while (queue.length) {
          const url = queue.shift()!;
          if (seen.has(url)) continue;
          seen.add(url);
          if (!url.endsWith(".html")) {
            const res = await fetch(url);
            await res.body?.cancel();
            if (res.status !== 200) problems.push(`${res.status} ${url}`);
            continue;
          }
          const v = await visit(page, url);
          pages++;
          for (const e of v.errors) {
            // The corpus's `<img src=x>` inside the inert HTML-output frame.
            if (url.endsWith("/evil.html") && e.startsWith("404 ") && e.endsWith("/x")) continue;
            problems.push(`${url}: ${e}`);
          }
          for (const link of v.links) {
            const u = new URL(link);
            u.hash = "";
            if (u.origin === new URL(base).origin && u.pathname.startsWith(PREFIX)) {
              queue.push(u.href);
            } else if (u.protocol !== "https:") problems.push(`${url}: unexpected link ${link}`);
          }
        }
        assertEquals(problems, []);
        // 7 runs (two interrupted, two from the real executor) x their instances, index, problems, experiment pages.
        assertOk(pages >= 30, `crawled only ${pages} pages`);
      });

      await t.step("the run page draws a DAG and a Gantt chart, failures first", async () => {
        await visit(page, `${base}runs/2026-11-21T06-00-00Z-b2/index.html`);
        assertEquals(await page.locator("svg.dag .dag-node").count(), 7);
        assertEquals(await page.locator("svg.dag .dag-edge").count(), 7);
        assertEquals(await page.locator("svg.dag .dag-node.st-failed").count(), 1);
        // ingest has a failed attempt and a retry: two bars in its row.
        assertEquals(await page.locator("svg.gantt .gantt-bar").count(), 7);
        assertEquals(await page.locator("svg.gantt .gantt-bar.st-failed").count(), 2);
        const box = await page.locator("svg.gantt").boundingBox();
        assertOk(box && box.width > 400 && box.height > 100);
        const first = await page.locator("table.sortable tbody tr").first().textContent();
        assertStringIncludes(first ?? "", "summary");
        assertStringIncludes(await page.locator(".failures").textContent() ?? "", "ValueError");
        await page.screenshot({ path: join(SHOTS, "run.png"), fullPage: true });
      });

      await t.step(
        "an instance page shows metrics, artifacts, the notebook and the error",
        async () => {
          await visit(
            page,
            `${base}runs/2026-11-21T06-00-00Z-b2/train-model--nr_train_images-600.html`,
          );
          assertEquals(await page.locator(".metric svg.chart polyline").count(), 1);
          const img = page.locator(".artifact img").first();
          assertOk(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth > 0));
          assertStringIncludes(
            await page.locator(".preview").first().textContent() ?? "",
            "precision",
          );
          assertOk(await page.locator(".notebook .nb-cell").count() >= 3);
          await page.screenshot({ path: join(SHOTS, "instance.png"), fullPage: true });
          await visit(page, `${base}runs/2026-11-21T06-00-00Z-b2/summary.html`);
          assertStringIncludes(
            await page.locator(".error-box").textContent() ?? "",
            "accuracy too low",
          );
          assertOk(await page.locator(".traceback .ansi-red-fg").count() > 0);
          await page.screenshot({ path: join(SHOTS, "instance-failed.png"), fullPage: true });
        },
      );

      await t.step("task tables sort by a clicked column", async () => {
        await visit(page, `${base}runs/2026-11-21T06-00-00Z-b2/index.html`);
        const durations = () =>
          page.$$eval(
            "table.sortable tbody tr td:nth-child(5)",
            (tds) => tds.map((td) => Number((td as HTMLElement).dataset.v)),
          );
        await page.click("table.sortable th:nth-child(5)");
        const up = await durations();
        assertEquals(up, [...up].sort((a, b) => a - b));
        await page.click("table.sortable th:nth-child(5)");
        const down = await durations();
        assertEquals(down, [...down].sort((a, b) => b - a));
        assertOk(down[0]! > down.at(-1)!);
      });

      await t.step("a run written by the real executor renders", async () => {
        await visit(page, `${base}runs/real-executor-run/index.html`);
        assertEquals(await page.locator("svg.dag .dag-node").count(), 9);
        await page.screenshot({ path: join(SHOTS, "real-run.png"), fullPage: true });
      });

      await t.step("the runs list filters by status, trigger and branch", async () => {
        await visit(page, `${base}index.html`);
        const rows = page.locator("table.runs tbody tr");
        assertEquals(await rows.count(), 7);
        assertEquals(await page.locator("table.runs tbody tr[data-status=interrupted]").count(), 2);
        await page.screenshot({ path: join(SHOTS, "index.png"), fullPage: true });
        await page.selectOption("select[data-filter=status]", "failed");
        assertEquals(await page.locator("table.runs tbody tr:not([hidden])").count(), 4);
        await page.selectOption("select[data-filter=branch]", "main");
        assertEquals(await page.locator("table.runs tbody tr:not([hidden])").count(), 1);
      });

      await t.step("the experiment page charts values over runs and compares runs", async () => {
        await visit(page, `${base}experiments/train-model.html`);
        assertOk(await page.locator(".charts svg.chart polyline").count() >= 2);
        assertEquals(await page.locator("#compare").isVisible(), false);
        const boxes = page.locator("input.cmp");
        // The two instances of the run of 2026-11-21 (rows 0-1 are the skipped ones of 11-22).
        await boxes.nth(2).check();
        await boxes.nth(3).check();
        assertEquals(await page.locator("#compare").isVisible(), true);
        assertEquals(await page.locator("#compare thead th.cmp-col:not([hidden])").count(), 2);
        assertOk(await page.locator("#compare tr.differs").count() >= 1);
        // The ticked instances' runs open in the compare page.
        const href = await page.locator("#compare-runs").getAttribute("href");
        assertEquals(href, `../compare.html?runs=${FIXTURE_RUN_IDS[1]}`);
        await page.screenshot({ path: join(SHOTS, "experiment.png"), fullPage: true });
      });

      await t.step("the XSS corpus is shown as text and never runs", async () => {
        const v = await visit(page, `${base}runs/2026-11-23T06-00-00Z-d4/evil.html`);
        // At most the 404 of the corpus's `<img src=x>` inside the inert frame.
        assertEquals(v.errors.filter((e) => e !== `404 ${base}runs/2026-11-23T06-00-00Z-d4/x`), []);
        assertStringIncludes(await page.locator("main > h1").textContent() ?? "", "<script>");
        // Artifacts a browser could execute are stored so that they only download.
        const html = await page.locator('a[download="evil.html"]').getAttribute("href");
        assertOk(
          /^\.\.\/\.\.\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.download$/.test(html ?? ""),
          String(html),
        );
        const svg = await page.locator('.artifact img[alt="evil.svg"]').getAttribute("src");
        assertOk(svg?.startsWith("data:image/svg+xml;base64,"), String(svg));
        // The raw HTML output is in a sandboxed frame without scripts.
        const frame = page.locator("iframe.nb-html").first();
        assertEquals(await frame.getAttribute("sandbox"), "");
        await page.waitForTimeout(200);
        const marker = await page.evaluate(
          (m) => (globalThis as Record<string, unknown>)[m],
          XSS_MARKER,
        );
        assertEquals(marker, undefined);
        await page.screenshot({ path: join(SHOTS, "xss.png"), fullPage: true });
        await visit(page, `${base}problems.html`);
        assertEquals(await page.locator("main tbody tr").count(), 3);
        await page.screenshot({ path: join(SHOTS, "problems.png"), fullPage: true });
      });

      await t.step(
        "compare.html shows figures side by side and hostile names as text",
        async () => {
          const [a, b, , d] = FIXTURE_RUN_IDS;
          const v = await visit(page, `${base}compare.html?runs=${a},${b},${d},..%2Fx`);
          assertEquals(v.errors, []);
          assertStringIncludes(
            (await page.locator("#compare-status").textContent()) ?? "",
            "is not a run of this site",
          );
          await visit(page, `${base}compare.html?runs=${a},${b},${d},not-a-run`);
          await page.waitForSelector("#compare-table:not([hidden])");
          assertStringIncludes(
            (await page.locator("#compare-status").textContent()) ?? "",
            "Not found (not in this site, or built by an older release): not-a-run",
          );
          assertEquals(await page.locator("#compare-table thead th.run-head").count(), 3);
          // The figures of both demo runs load (the image decodes), side by side in one row.
          const imgs = page.locator('#compare-table img[alt^="digits.png"]');
          assertEquals(await imgs.count(), 2);
          await page.waitForFunction(() =>
            Array.from(document.querySelectorAll("#compare-table img")).every((i) =>
              (i as HTMLImageElement).complete
            )
          );
          const widths = await imgs.evaluateAll((xs) =>
            xs.map((x) => (x as HTMLImageElement).naturalWidth)
          );
          assertEquals(widths, [96, 96]);
          // The XSS run's names and values are text.
          const text = (await page.locator("#compare-table").textContent()) ?? "";
          assertStringIncludes(text, `<script>window.${XSS_MARKER}=1</script>`);
          await page.waitForTimeout(200);
          assertEquals(
            await page.evaluate((m) => (globalThis as Record<string, unknown>)[m], XSS_MARKER),
            undefined,
          );
          await page.screenshot({ path: join(SHOTS, "compare.png"), fullPage: true });
        },
      );

      await t.step("the site also works from the file system", async () => {
        const v = await visit(page, `file://${await Deno.realPath(out)}/index.html`);
        assertEquals(v.errors, []);
        const bg = await page.locator(".topbar").evaluate((el) =>
          getComputedStyle(el).backgroundColor
        );
        assertEquals(bg, "rgb(36, 41, 47)");
        await page.selectOption("select[data-filter=trigger]", "pull_request");
        assertEquals(await page.locator("table.runs tbody tr:not([hidden])").count(), 1);
      });
    } finally {
      await browser?.close();
      await server.shutdown();
    }
  },
});
