#!/usr/bin/env -S deno run -A
/**
 * Site size and build time at 1,000 runs x 12 task instances (testing/site_history.ts with files: an
 * executed notebook per instance, a 24 kB figure per benchmark instance shown in its notebook
 * and logged as an artifact, a 60 kB model per train-model instance, the same as the previous
 * run's on every second run, as a cached instance restores it).
 *
 *     deno run -A bench/site_scale.ts            # SITE_SCALE_RUNS=200 for a smaller history
 *
 * Prints: full build, incremental build of one more run (`--previous` the same folder), bytes
 * of the site and per run, what one more run adds, the heaviest page, the experiment pages and
 * their data files, `data/history.json`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSite } from "../lib/site/build.ts";
import { writeHistoryRuns } from "../testing/site_history.ts";

const RUNS = Number(Deno.env.get("SITE_SCALE_RUNS") ?? 1000);
const outRoot = fileURLToPath(new URL("./out/", import.meta.url));
await Deno.mkdir(outRoot, { recursive: true });
const work = await Deno.makeTempDir({ dir: outRoot, prefix: "site-scale-" });

interface Sizes {
  total: number;
  files: number;
  heaviest: { path: string; bytes: number };
  byTop: Map<string, number>;
}

async function sizes(root: string, rel = "", acc?: Sizes): Promise<Sizes> {
  const s = acc ?? { total: 0, files: 0, heaviest: { path: "", bytes: 0 }, byTop: new Map() };
  for await (const e of Deno.readDir(join(root, rel))) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) {
      await sizes(root, path, s);
      continue;
    }
    const size = (await Deno.stat(join(root, path))).size;
    s.total += size;
    s.files++;
    const top = path.split("/")[0]!;
    s.byTop.set(top, (s.byTop.get(top) ?? 0) + size);
    if (path.endsWith(".html") && size > s.heaviest.bytes) s.heaviest = { path, bytes: size };
  }
  return s;
}

const kB = (n: number) => `${(n / 1000).toLocaleString("en", { maximumFractionDigits: 1 })} kB`;

try {
  const runs = join(work, "runs");
  let t0 = performance.now();
  await writeHistoryRuns(runs, RUNS, 0, { files: true });
  console.log(`wrote ${RUNS} run folders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const site = join(work, "site");
  t0 = performance.now();
  const full = await buildSite([runs], { out: site, now: new Date("2026-12-01T00:00:00Z") });
  const fullS = (performance.now() - t0) / 1000;
  const before = await sizes(site);
  const extra = join(work, "extra");
  await writeHistoryRuns(extra, 1, RUNS, { files: true });
  t0 = performance.now();
  const inc = await buildSite([extra], { out: site, previous: site });
  const incS = (performance.now() - t0) / 1000;
  const after = await sizes(site);
  console.log(`full build: ${full.runs} runs, ${full.pages} pages in ${fullS.toFixed(1)} s`);
  console.log(
    `incremental build of one more run (--previous, in place): ${inc.rendered} rendered, ` +
      `${inc.carried} carried in ${incS.toFixed(1)} s`,
  );
  console.log(
    `site: ${kB(before.total)} in ${before.files} files (${kB(before.total / RUNS)} per run)`,
  );
  for (const [top, n] of [...before.byTop].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${top}: ${kB(n)}`);
  }
  console.log(`one more run adds ${kB(after.total - before.total)}`);
  console.log(`heaviest page: ${before.heaviest.path} ${kB(before.heaviest.bytes)}`);
  for (const name of ["benchmark", "train-model", "summary"]) {
    const page = (await Deno.stat(join(site, "experiments", `${name}.html`))).size;
    const data = (await Deno.stat(join(site, "data", "experiments", `${name}.js`))).size;
    console.log(`experiments/${name}.html ${kB(page)}, its data file ${kB(data)}`);
  }
  console.log(
    `data/history.json ${kB((await Deno.stat(join(site, "data", "history.json"))).size)}`,
  );
  console.log(`index.html ${kB((await Deno.stat(join(site, "index.html"))).size)}`);
} finally {
  if (Deno.env.get("SITE_SCALE_KEEP") !== "1") await Deno.remove(work, { recursive: true });
  else console.log(`kept ${work}`);
}
