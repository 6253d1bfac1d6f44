/**
 * What bounds the published site: `cli.ts site --max-artifact-bytes` links large artifacts to
 * their workflow run instead of copying them (the demo workflow and the template pass it).
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { demoRun, writeRun } from "../testing/github_fixtures.ts";
import { sha256Hex } from "../lib/github/artifacts.ts";
import { exists } from "../lib/_base/fs.ts";

Deno.test("cli.ts site --max-artifact-bytes links large artifacts to the workflow run, copies small ones", async () => {
  await using dir = await tempDir();
  const big = new Uint8Array(200_000).fill(7);
  const small = new TextEncoder().encode("digit,count\n0,178\n");
  const run = demoRun("base");
  const ingest = run.tasks.find((t) => t.id === "ingest")!;
  const art = "tasks/ingest/attempt-1/artifacts";
  ingest.artifacts = [
    {
      name: "model.joblib",
      path: `${art}/model.joblib`,
      size: big.length,
      sha256: await sha256Hex(big),
    },
    {
      name: "counts.csv",
      path: `${art}/counts.csv`,
      size: small.length,
      sha256: await sha256Hex(small),
      mediaType: "text/csv",
    },
  ];
  const folder = await writeRun(join(dir.path, "runs"), run);
  await Deno.mkdir(join(folder, art), { recursive: true });
  await Deno.writeFile(join(folder, art, "model.joblib"), big);
  await Deno.writeFile(join(folder, art, "counts.csv"), small);

  const out = join(dir.path, "_site");
  const res = await runCliProcess(
    ["site", join(dir.path, "runs"), "--out", out, "--max-artifact-bytes", "102400"],
    { flags: ["--allow-read", `--allow-write=${out}`] },
  );
  assertEquals(res.code, 0, res.stderr);
  // Artifacts are stored once by content hash under blobs/.
  const page = await Deno.readTextFile(join(out, "runs", run.runId, "ingest.html"));
  const csv = page.match(/href="\.\.\/\.\.\/(blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.csv)"/)?.[1];
  assertOk(csv && await exists(join(out, csv), { lstat: true }), "the small artifact is copied");
  assertOk(
    !(await exists(
      join(
        out,
        "blobs",
        ingest.artifacts[0]!.sha256.slice(0, 2),
        `${ingest.artifacts[0]!.sha256}.joblib`,
      ),
    )),
    "the large artifact is not copied",
  );
  assertStringIncludes(page, "larger than 102400 bytes: not copied to the site");
  assertStringIncludes(page, `<a href="${run.ci!.url}">workflow run</a>`);

  // Without the flag, everything is copied, as before.
  const all = join(dir.path, "_site_all");
  const res2 = await runCliProcess(["site", join(dir.path, "runs"), "--out", all], {
    flags: ["--allow-read", `--allow-write=${all}`],
  });
  assertEquals(res2.code, 0, res2.stderr);
  const sha = ingest.artifacts[0]!.sha256;
  assertOk(await exists(join(all, "blobs", sha.slice(0, 2), `${sha}.joblib`), { lstat: true }));
});
