/**
 * `cli.ts site` as a real subprocess under exactly `--allow-read --allow-write`: building,
 * history with `--previous`, pruning, bad input, missing permissions, and running from a URL.
 *
 * @module
 */
import { extname, join, resolve } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { FIXTURE_RUN_IDS, makeRuns } from "./fixtures/make_runs.ts";
import { HistorySchema } from "../lib/site/model.ts";
import { exists } from "../lib/_base/fs.ts";

const FLAGS = ["--allow-read", "--allow-write"];
const [A, B, C] = FIXTURE_RUN_IDS;

async function historyIds(site: string): Promise<string[]> {
  const h = HistorySchema.parse(
    JSON.parse(await Deno.readTextFile(join(site, "data/history.json"))),
  );
  return h.runs.map((r) => r.summary.runId);
}

Deno.test("cli.ts site builds a site with only --allow-read --allow-write", async () => {
  await using dir = await tempDir("pynb-site-cli-");
  const runs = join(dir.path, "runs");
  await makeRuns(runs);
  const out = join(dir.path, "_site");
  const res = await runCliProcess(["site", runs, "--out", out, "--title", "Nightly"], {
    flags: FLAGS,
  });
  assertEquals(res.code, 0, res.stderr);
  assertMatch(
    res.stdout,
    /Built .*: 5 runs \(5 rendered, 0 kept from the previous site, 0 pruned\)/,
  );
  // Unreadable folders are warnings, never a failed build; paths are as given.
  assertMatch(res.stderr, /warning: Cannot read '.*corrupt-run\/run\.json': it is not valid JSON/);
  assertMatch(res.stderr, /warning: Cannot show run folder '.*zz-duplicate-of-.*': run id/);
  assertEquals(res.stderr.includes("    at "), false);
  const index = await Deno.readTextFile(join(out, "index.html"));
  assertStringIncludes(index, "<title>Nightly</title>");
  assertStringIncludes(index, `href="runs/${A}/index.html"`);
  assertOk(await exists(join(out, "runs", B, "summary.html")));
  assertOk(await exists(join(out, "assets", "site.js")));
  assertEquals((await historyIds(out)).length, 5);
});

Deno.test("cli.ts site --previous adds new runs to a published history and prunes it", async (t) => {
  await using dir = await tempDir("pynb-site-prev-");
  const all = join(dir.path, "all");
  await makeRuns(all);
  const first = join(dir.path, "first");
  const second = join(dir.path, "second");
  let res = await runCliProcess(
    ["site", join(all, A), join(all, B), "--out", first],
    { flags: FLAGS },
  );
  assertEquals(res.code, 0, res.stderr);
  await t.step("only the new run is rendered; the others are carried over", async () => {
    // The CI artifacts of A and B are gone: only the published site remembers them.
    res = await runCliProcess(["site", join(all, C), "--previous", first, "--out", second], {
      flags: FLAGS,
    });
    assertEquals(res.code, 0, res.stderr);
    assertMatch(res.stdout, /3 runs \(1 rendered, 2 kept from the previous site, 0 pruned\)/);
    assertEquals((await historyIds(second)).sort(), [A, B, C]);
    assertOk(await exists(join(second, "runs", A, "index.html")));
    // B's artifacts and notebooks (content-addressed blobs) come along with its pages.
    const blobs = (await Deno.readTextFile(join(second, "runs", B, "blobs.txt"))).split("\n");
    assertOk(blobs.some((b) => b.endsWith(".png")), blobs.join(", "));
    for (const b of blobs) assertOk(await exists(join(second, b)), b);
    const index = await Deno.readTextFile(join(second, "index.html"));
    for (const id of [A, B, C]) assertStringIncludes(index, `runs/${id}/index.html`);
    const exp = await Deno.readTextFile(join(second, "experiments", "train-model.html"));
    assertStringIncludes(exp, A);
  });
  await t.step(
    "--keep-runs keeps the newest runs and removes the pages of the others",
    async () => {
      res = await runCliProcess(
        ["site", join(all, C), "--previous", second, "--out", second, "--keep-runs", "2"],
        { flags: FLAGS },
      );
      assertEquals(res.code, 0, res.stderr);
      assertMatch(res.stdout, /2 runs \(1 rendered, 1 kept from the previous site, 1 pruned\)/);
      assertEquals((await historyIds(second)).sort(), [B, C]);
      assertEquals(await exists(join(second, "runs", A)), false);
    },
  );
  await t.step("--keep-days drops runs older than that many days", async () => {
    res = await runCliProcess(
      ["site", join(all, C), "--previous", second, "--out", second, "--keep-days", "1"],
      { flags: FLAGS },
    );
    // The fixtures are from 2026-11; "now" is later, so every run is older than a day.
    assertEquals(res.code, 0, res.stderr);
    assertEquals(await historyIds(second), []);
    assertStringIncludes(await Deno.readTextFile(join(second, "index.html")), "No runs yet");
  });
});

Deno.test("cli.ts site rejects bad input with exit code 2 and writes nothing", async (t) => {
  await using dir = await tempDir("pynb-site-bad-");
  const out = join(dir.path, "out");
  await t.step("a missing runs folder", async () => {
    const res = await runCliProcess(["site", join(dir.path, "nope"), "--out", out], {
      flags: FLAGS,
    });
    assertEquals(res.code, 2);
    assertMatch(res.stderr, /^error: Cannot read runs from '.*nope': no such folder/);
    assertEquals(res.stderr.includes("    at "), false);
    assertEquals(await exists(out), false);
  });
  await t.step("a corrupt previous site", async () => {
    const prev = join(dir.path, "prev");
    await Deno.mkdir(join(prev, "data"), { recursive: true });
    await Deno.writeTextFile(join(prev, "data", "history.json"), '{"runs": 3}');
    const res = await runCliProcess(["site", dir.path, "--previous", prev, "--out", out], {
      flags: FLAGS,
    });
    assertEquals(res.code, 2);
    assertMatch(res.stderr, /Cannot read '.*history\.json': it does not match the history format/);
    assertEquals(await exists(out), false);
  });
  await t.step("a bad --keep-runs and a bad --base-url", async () => {
    let res = await runCliProcess(["site", dir.path, "--out", out, "--keep-runs", "0"], {
      flags: FLAGS,
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "--keep-runs needs a whole number of 1 or more, got '0'");
    res = await runCliProcess(["site", dir.path, "--out", out, "--base-url", "repo"], {
      flags: FLAGS,
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "--base-url needs a path starting with '/'");
  });
  await t.step("without --allow-write it fails cleanly", async () => {
    await makeRuns(join(dir.path, "runs"));
    const res = await runCliProcess(["site", join(dir.path, "runs"), "--out", out], {
      flags: ["--allow-read"],
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "--allow-write");
    assertEquals(res.stderr.includes("    at "), false);
  });
});

Deno.test({
  name: "cli.ts site runs from a URL, loading its templates over HTTP",
  sanitizeResources: false,
  async fn() {
    await using dir = await tempDir("pynb-site-url-");
    await makeRuns(join(dir.path, "runs"));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const path = resolve(ROOT, "." + decodeURIComponent(new URL(req.url).pathname));
      if (!path.startsWith(ROOT + "/")) return new Response("no", { status: 404 });
      try {
        const type = extname(path) === ".ts" ? "application/typescript" : "text/plain";
        return new Response(await Deno.readFile(path), { headers: { "content-type": type } });
      } catch {
        return new Response("no", { status: 404 });
      }
    });
    try {
      const host = `127.0.0.1:${server.addr.port}`;
      const out = join(dir.path, "site");
      const res = await runCliProcess(["site", join(dir.path, "runs"), "--out", out], {
        flags: [...FLAGS, `--allow-net=${host}`, "--allow-import"],
        entry: `http://${host}/cli.ts`,
      });
      assertEquals(res.code, 0, res.stderr);
      assertStringIncludes(
        await Deno.readTextFile(join(out, "assets", "site.css")),
        "pynb-dag-runner site",
      );
      assertStringIncludes(await Deno.readTextFile(join(out, "index.html")), "<h1>Runs</h1>");
    } finally {
      await server.shutdown();
    }
  },
});
