#!/usr/bin/env -S deno run -A
/**
 * Time until the runs list answers a query, in headless Chromium, on a generated history of
 * 1,000 runs (`testing/run_history.ts`: 7 instances each, parameters, values, stepped metrics).
 * The site is built once and served on 127.0.0.1 under a sub-path, like GitHub Pages.
 *
 *     deno run -A bench/runs_list_figures.ts [--runs 1000] [--repeat 7]
 *
 * Figures, each the median (and range) of `--repeat` fresh page loads:
 * - baseline in the same run: the runs page with scripts off (its HTML and CSS only);
 * - ready: navigation start until the table of every run is drawn (`data/runs.js` downloaded,
 *   parsed, first page of rows rendered);
 * - query: typing a query (`<metric>>0.93 branch:main`) until the next frame is painted with the
 *   answer (filter, sort and render of the first page);
 *   (and, of that, the synchronous input handler alone);
 * - sort: clicking a metric's column until the next frame is painted.
 * Bytes of `data/runs.js` against `data/history.json`, which the table no longer needs.
 *
 * Not a `*_bench.ts` file: it starts a browser; `deno task bench` leaves it out.
 *
 * @module
 */
import { extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { chromium } from "../deps_test.ts";
import { buildSite } from "../lib/site/build.ts";
import { writeRunHistory } from "../testing/run_history.ts";
import { CHROMIUM_ARGS } from "../testing/chromium.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "1000" }, repeat: { type: "string", default: "7" } },
});
const RUNS = Number(args.runs);
const REPEAT = Number(args.repeat);
const METRIC = "benchmark[nr_train_images=1200].mean_auc";
const BROWSER = Deno.env.get("PYNB_BROWSER") || "/usr/bin/chromium";

const outRoot = fileURLToPath(new URL("./out/", import.meta.url));
await Deno.mkdir(outRoot, { recursive: true });
const work = await Deno.makeTempDir({ dir: outRoot, prefix: "runs-list-" });

function median(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)]!;
  return `${m.toFixed(1)} ms (${s[0]!.toFixed(1)} to ${s.at(-1)!.toFixed(1)})`;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
};

try {
  await writeRunHistory(join(work, "runs"), { runs: RUNS });
  const site = join(work, "site");
  await buildSite([join(work, "runs")], { out: site, baseUrl: "/repo/" });
  const root = await Deno.realPath(site);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname).replace(/^\/repo\//, "/");
    const file = resolve(root, "." + path);
    if (!file.startsWith(root)) return new Response("no", { status: 404 });
    try {
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      return new Response(await Deno.readFile(file), { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const url = `http://127.0.0.1:${server.addr.port}/repo/index.html`;
  const browser = await chromium.launch({ executablePath: BROWSER, args: CHROMIUM_ARGS });
  const base: number[] = [];
  const ready: number[] = [];
  const query: number[] = [];
  const sort: number[] = [];
  const handler: number[] = [];
  let answer = "";
  try {
    for (let i = 0; i < REPEAT; i++) {
      const plain = await browser.newContext({ javaScriptEnabled: false });
      const p0 = await plain.newPage();
      const t0 = performance.now();
      await p0.goto(url, { waitUntil: "load" });
      base.push(performance.now() - t0);
      await plain.close();

      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const t1 = performance.now();
      await page.goto(url, { waitUntil: "commit" });
      await page.waitForSelector("#runs-query.ready");
      ready.push(performance.now() - t1);
      const q = await page.evaluate((text) =>
        new Promise<[number, string, number]>((done) => {
          const input = document.getElementById("run-query") as HTMLInputElement;
          const s = performance.now();
          input.value = text;
          input.dispatchEvent(new Event("input"));
          const handled = performance.now() - s;
          requestAnimationFrame(() =>
            setTimeout(() =>
              done([
                performance.now() - s,
                document.querySelector("[data-filter-count]")?.textContent ?? "",
                handled,
              ]), 0)
          );
        }), `${METRIC}>0.93 branch:main`);
      query.push(q[0]);
      handler.push(q[2]);
      answer = q[1];
      const s = await page.evaluate((name) =>
        new Promise<number>((done) => {
          const btn = Array.from(document.querySelectorAll("#runs-table thead button"))
            .find((b) => b.textContent === name) as HTMLButtonElement;
          const t = performance.now();
          btn.click();
          requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));
        }), METRIC);
      sort.push(s);
      await ctx.close();
    }
  } finally {
    await browser.close();
    await server.shutdown();
  }
  const size = async (f: string) => (await Deno.stat(join(site, f))).size;
  console.log(`runs: ${RUNS}, repeat: ${REPEAT}, query answer: "${answer}"`);
  console.log(
    `index.html ${await size("index.html")} B, data/runs.js ${await size(
      "data/runs.js",
    )} B, data/history.json ${await size("data/history.json")} B`,
  );
  console.log(`baseline, runs page without scripts: ${median(base)}`);
  console.log(`ready (table of every run drawn):    ${median(ready)}`);
  console.log(`query typed -> answer painted:       ${median(query)}`);
  console.log(`  of which the input handler:         ${median(handler)}`);
  console.log(`sort by a metric -> painted:         ${median(sort)}`);
} finally {
  await Deno.remove(work, { recursive: true });
}
