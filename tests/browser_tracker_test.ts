/**
 * The experiment tracker in a real headless Chromium, on a generated history of 1,000 runs: what
 * a user does with the runs table (sort by a metric, query, pick columns), the compare page
 * (three runs, deltas, only differences), dark mode, a 390 px wide screen, and axe-core's
 * accessibility check on the main pages.
 *
 * @module
 */
import { join } from "node:path";
import {
  assertEquals,
  assertOk,
  assertStringIncludes,
  axe,
  type Browser,
  chromium,
} from "./_deps.ts";
import type { Page } from "./_deps.ts";
import { ARGS, PREFIX, serve, visit } from "./_browser.ts";
import { BROWSER_PATH, tempDir } from "./_helpers.ts";
import { buildSite } from "../lib/site/build.ts";
import { historyRun, historyRunId, writeRunHistory } from "../testing/run_history.ts";

const N = 1000;
const AUC = "benchmark[nr_train_images=1200].mean_auc";

function auc(i: number): number | undefined {
  const v = historyRun(i).tasks.find((t) => t.id === "benchmark[nr_train_images=1200]")?.values
    .mean_auc;
  return typeof v === "number" ? v : undefined;
}

/** Serious and critical axe violations of the page, as `rule: target` lines. */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') does not apply.
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const a = (globalThis as unknown as {
      axe: {
        run(ctx: unknown, o: unknown): Promise<{
          violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
        }>;
      };
    }).axe;
    const r = await a.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(", ")}`);
}

async function rowCount(page: Page): Promise<number> {
  return await page.locator("#runs-table tbody tr").count();
}

async function counter(page: Page): Promise<string> {
  return (await page.locator("[data-filter-count]").textContent()) ?? "";
}

Deno.test({
  name: "experiment tracker in Chromium at 1,000 runs: sort, query, compare, dark, 390 px, axe",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using dir = await tempDir("pynb-tracker-");
    await writeRunHistory(join(dir.path, "runs"), { runs: N });
    const out = join(dir.path, "site");
    await buildSite([join(dir.path, "runs")], { out, title: "Tracker", baseUrl: PREFIX });
    const server = serve(await Deno.realPath(out));
    const base = `http://127.0.0.1:${server.addr.port}${PREFIX}`;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: BROWSER_PATH, args: ARGS });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

      await t.step(
        "the runs table shows 1,000 runs in pages of 50, with metric columns",
        async () => {
          const v = await visit(page, `${base}index.html`);
          assertEquals(v.errors, []);
          assertEquals(await counter(page), `${N} of ${N} runs`);
          assertEquals(await rowCount(page), 50);
          const heads = await page.locator("#runs-table thead th").allTextContents();
          assertOk(heads.some((h) => h.includes(AUC)), heads.join(" | "));
          assertOk(heads.some((h) => h.includes("learning_rate")), heads.join(" | "));
          // Commit and pull request link to GitHub.
          const commit = await page.locator("#runs-table tbody tr").first().locator("td a code")
            .first();
          const href = await commit.locator("xpath=..").getAttribute("href");
          assertOk(href?.startsWith("https://github.com/acme/mnist/commit/"), String(href));
        },
      );

      await t.step("sorting by a metric puts the best run first", async () => {
        const best = Math.max(...Array.from({ length: N }, (_, i) => auc(i) ?? -1));
        await page.locator("#runs-table thead button", { hasText: AUC }).click();
        const th = page.locator("#runs-table thead th", { hasText: AUC });
        assertEquals(await th.getAttribute("aria-sort"), "descending");
        const col = await th.evaluate((el) => (el as HTMLTableCellElement).cellIndex);
        const first = await page.locator("#runs-table tbody tr").first().locator("td").nth(col)
          .textContent();
        assertEquals(Number(first), best);
        // The sort is part of the address: a reload (or a shared link) shows the same order.
        assertEquals(new URL(page.url()).searchParams.get("sort"), AUC);
        await visit(page, page.url());
        assertEquals(await th.getAttribute("aria-sort"), "descending");
        const again = await page.locator("#runs-table tbody tr").first().locator("td").nth(col)
          .textContent();
        assertEquals(Number(again), best);
        await page.locator("#runs-table thead button", { hasText: AUC }).click();
        assertEquals(await th.getAttribute("aria-sort"), "ascending");
      });

      await t.step("a query filters the runs, is kept in ?q= and can be shared", async () => {
        const q = `${AUC}>0.93 branch:main`;
        const want = Array.from({ length: N }, (_, i) =>
          i).filter((i) =>
            (auc(i) ?? 0) > 0.93 && historyRun(i).ci?.branch === "main"
          ).length;
        assertOk(want > 0 && want < N, String(want));
        await page.fill("#run-query", q);
        assertEquals(await counter(page), `${want} of ${N} runs`);
        assertEquals(new URL(page.url()).searchParams.get("q"), q);
        await visit(page, page.url());
        assertEquals(await page.inputValue("#run-query"), q);
        assertEquals(await counter(page), `${want} of ${N} runs`);
        const failed = Array.from({ length: N }, (_, i) => historyRun(i))
          .filter((r) => r.status === "failed").length;
        await page.fill("#run-query", "status:failed");
        assertEquals(await counter(page), `${failed} of ${N} runs`);
        assertEquals(await page.inputValue("select[data-filter=status]"), "failed");
        assertEquals(
          await page.locator("#runs-table tbody tr:not([data-status=failed])").count(),
          0,
        );
        await page.fill("#run-query", "trigger:pull_request feature/try-3");
        const prs = Array.from({ length: N }, (_, i) =>
          historyRun(i)).filter((r) =>
            r.trigger === "pull_request" && r.ci?.branch === "feature/try-3"
          ).length;
        assertEquals(await counter(page), `${prs} of ${N} runs`);
        await page.fill("#run-query", "scor>1");
        assertStringIncludes(
          (await page.locator("#query-errors").textContent()) ?? "",
          "Unknown column 'scor'",
        );
        await page.fill("#run-query", "");
        assertEquals(await counter(page), `${N} of ${N} runs`);
      });

      await t.step("the column picker is remembered by the browser", async () => {
        await page.locator(".col-picker summary").click();
        await page.locator("#col-picker-list label", { hasText: "learning_rate" }).locator("input")
          .uncheck();
        await page.locator("#col-picker-list label", { hasText: "train_rows" }).locator("input")
          .check();
        await visit(page, `${base}index.html`);
        const heads = await page.locator("#runs-table thead th").allTextContents();
        assertOk(!heads.some((h) => h.includes("learning_rate")), heads.join(" | "));
        assertOk(heads.some((h) => h.includes("train_rows")), heads.join(" | "));
      });

      await t.step("three ticked runs open the compare page with deltas", async () => {
        await visit(page, `${base}index.html`);
        for (const i of [N - 1, N - 2, N - 3]) {
          await page.getByLabel(`compare run ${historyRunId(i)}`).check();
        }
        await page.locator("#compare-link").click();
        await page.waitForSelector("#compare-table:not([hidden])");
        const v = await visit(page, page.url());
        assertEquals(v.errors, []);
        await page.waitForSelector("#compare-table:not([hidden])");
        const heads = await page.locator("#compare-table thead th.run-head").allTextContents();
        assertEquals(heads.length, 3, `${page.url()}: ${heads.join(" | ")}`);
        assertStringIncludes(heads[0] ?? "", historyRunId(N - 1));
        assertStringIncludes(heads[1] ?? "", "feature/try-");
        // The delta of mean_auc of the second run against the first, as the page writes it.
        const a = auc(N - 1)!;
        const b = auc(N - 2)!;
        const d = b - a;
        const text = `${d > 0 ? "+" : "-"}${Number(Math.abs(d).toPrecision(4))} ${
          d > 0 ? "▲" : "▼"
        } ${Number((Math.abs(d / a) * 100).toPrecision(2))}%`;
        const group = page.locator("#compare-table tbody tr", { hasText: "mean_auc" });
        const rows = await group.allTextContents();
        assertOk(rows.some((r) => r.includes(text)), `${text} not in ${rows.join(" | ")}`);
        // Step curves of the three runs overlaid in one chart per metric, stated in text too.
        const chart = page.locator("tr", { hasText: "loss (steps)" }).first().locator("svg");
        assertEquals(await chart.locator("polyline").count(), 3);
        assertStringIncludes(
          (await chart.getAttribute("aria-label")) ?? "",
          `loss (steps) over steps. ${historyRunId(N - 1)}: 5 steps, last`,
        );
        const all = await page.locator("#compare-table tbody tr:not(.cmp-group)").count();
        const rowsOf = page.locator("#compare-table tbody tr:not(.cmp-group):visible");
        assertEquals(await rowsOf.count(), all);
        await page.getByLabel("Only differences").check();
        assertEquals(new URL(page.url()).searchParams.get("diff"), "1");
        const diff = await rowsOf.count();
        assertOk(diff > 0 && diff < all, `${diff} of ${all}`);
        assertEquals(await page.locator("tr.cmp-same:visible").count(), 0);
        assertEquals(await page.locator("#compare-table th", { hasText: "train_rows" }).count(), 1);
        assertEquals(
          await page.locator("#compare-table th:visible", { hasText: "train_rows" }).count(),
          0,
        );
      });

      await t.step(
        "the experiment chart takes a parameter as its axis, picked from a list",
        async () => {
          const v = await visit(page, `${base}experiments/benchmark.html`);
          assertEquals(v.errors, []);
          await page.waitForSelector("#exp-charts[data-ready]");
          const alt = () => page.textContent("#chart-scatter .chart-alt").then((t) => t ?? "");
          await page.selectOption("#chart-x", "index");
          assertStringIncludes(await alt(), "against run index");
          const byLabel = await page.locator("#chart-x option", { hasText: "nr_train_images" })
            .getAttribute("value");
          await page.selectOption("#chart-x", byLabel!);
          const text = await alt();
          assertStringIncludes(text, "mean_auc against parameter nr_train_images");
          // Four benchmark instances per run; pull-request runs are kept apart.
          const points = Number(/: (\d+) default-branch points/.exec(text)?.[1]);
          assertOk(points > 0 && points < 4 * N, text);
        },
      );

      await t.step("dark mode follows the system's colour scheme", async () => {
        await page.emulateMedia({ colorScheme: "dark" });
        await visit(page, `${base}index.html`);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assertEquals(bg, "rgb(13, 17, 23)");
        assertEquals(await axeProblems(page), []);
        await page.emulateMedia({ colorScheme: "light" });
      });

      const key = historyRunId(N - 1);
      const pages = [
        "index.html",
        `runs/${key}/index.html`,
        `runs/${key}/benchmark_nr_train_images_1200_.html`,
        "experiments/benchmark.html",
        `compare.html?runs=${key},${historyRunId(N - 2)},${historyRunId(N - 3)}`,
      ];

      await t.step("at 390 px the pages do not scroll sideways", async () => {
        const narrow = await browser!.newPage({ viewport: { width: 390, height: 844 } });
        const wide: string[] = [];
        for (const p of pages) {
          await visit(narrow, `${base}${p}`);
          const w = await narrow.evaluate(() => document.documentElement.scrollWidth);
          if (w > 390) wide.push(`${p}: ${w} px`);
        }
        await narrow.close();
        assertEquals(wide, []);
      });

      await t.step(
        "axe-core finds no serious or critical violation on the main pages, light and dark",
        async () => {
          const problems: string[] = [];
          for (const scheme of ["light", "dark"] as const) {
            await page.emulateMedia({ colorScheme: scheme });
            for (const p of pages) {
              const v = await visit(page, `${base}${p}`);
              assertEquals(v.errors, [], p);
              if (p.startsWith("compare")) {
                await page.waitForSelector("#compare-table:not([hidden])");
              }
              for (const x of await axeProblems(page)) problems.push(`${scheme} ${p}: ${x}`);
            }
          }
          assertEquals(problems, []);
        },
      );
    } finally {
      await browser?.close();
      await server.shutdown();
    }
  },
});
