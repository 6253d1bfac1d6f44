/**
 * Run folders are untrusted input to the site: `cli.ts site` (a real subprocess under its
 * documented flags) never follows a link out of a run folder and never reads a file the folder
 * does not hold. Links in every place a run folder has files (artifact, stderr, notebook,
 * values, an attempt folder, an instance folder, run.json), a FIFO and a recorded `..` path all
 * point at a canary outside the run: no page or file of the site holds it, a warning names each
 * file, and the rest of the run is published.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";

const CANARY = "CANARY-run-folder-escape-5e1d";
const REAL = join(ROOT, "tests", "fixtures", "runs");

async function copyDir(src: string, dest: string): Promise<void> {
  await Deno.mkdir(dest, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isDirectory) await copyDir(join(src, e.name), join(dest, e.name));
    else await Deno.copyFile(join(src, e.name), join(dest, e.name));
  }
}

/** A folder outside every run, holding the canary in files named like a run's. */
async function writeOutside(dir: string): Promise<string> {
  const notebook = JSON.stringify({
    cells: [{
      cell_type: "code",
      source: "print(1)",
      outputs: [{ output_type: "stream", name: "stdout", text: CANARY }],
    }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
  await Deno.mkdir(join(dir, "attempt-1"), { recursive: true });
  for (const d of [dir, join(dir, "attempt-1")]) {
    await Deno.writeTextFile(join(d, "canary.txt"), CANARY);
    await Deno.writeTextFile(join(d, "notebook.ipynb"), notebook);
    await Deno.writeTextFile(join(d, "stderr.txt"), CANARY);
  }
  return dir;
}

async function link(target: string, path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
  await Deno.symlink(target, path);
}

async function siteFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await siteFiles(path));
    else out.push(path);
  }
  return out;
}

Deno.test("cli.ts site never publishes what a run folder's links point to", async (t) => {
  await using dir = await tempDir("pynb-site-untrusted-");
  const outside = await writeOutside(join(dir.path, "outside"));
  const canary = join(outside, "canary.txt");
  const runs = join(dir.path, "runs");
  const done = join(runs, "done");
  await copyDir(join(REAL, "real-executor-run"), done);
  const tasks = join(done, "tasks");
  await link(canary, join(tasks, "hello/attempt-1/artifacts/hello.txt"));
  await link(canary, join(tasks, "broken/attempt-1/stderr.txt"));
  await link(join(outside, "notebook.ipynb"), join(tasks, "fan_n-1/attempt-1/notebook.ipynb"));
  await link(canary, join(tasks, "fan_n-2/attempt-1/values.jsonl"));
  await link(outside, join(tasks, "flaky/attempt-2"));
  await link(outside, join(tasks, "fanin"));
  await Deno.remove(join(tasks, "slow/attempt-1/stderr.txt"));
  const fifo = await new Deno.Command("mkfifo", {
    args: [join(tasks, "slow/attempt-1/stderr.txt")],
  })
    .output();
  assertEquals(fifo.code, 0);
  // A recorded artifact path that climbs out of the run folder.
  const summary = JSON.parse(await Deno.readTextFile(join(done, "run.json")));
  const fanN1 = summary.tasks.find((x: { slug: string }) => x.slug === "fan_n-1");
  fanN1.artifacts.push({
    name: "up.txt",
    path: "../../outside/canary.txt",
    size: 1,
    sha256: "0".repeat(64),
  });
  await Deno.writeTextFile(join(done, "run.json"), JSON.stringify(summary));

  const killed = join(runs, "killed");
  await copyDir(join(REAL, "real-interrupted-run"), killed);
  await link(canary, join(killed, "tasks/sleep/attempt-1/stderr.txt"));
  await Deno.mkdir(join(killed, "tasks/ghost"), { recursive: true });
  await link(outside, join(killed, "tasks/ghost/attempt-1"));

  const linkedSummary = join(runs, "linked-summary");
  await Deno.mkdir(linkedSummary, { recursive: true });
  await link(canary, join(linkedSummary, "run.json"));

  const out = join(dir.path, "site");
  const res = await runCliProcess(["site", runs, "--out", out], {
    flags: ["--allow-read", "--allow-write"],
  });
  assertEquals(res.code, 0, res.stderr);

  await t.step("no file of the site holds the canary", async () => {
    const files = await siteFiles(out);
    assertOk(files.length > 20);
    for (const f of files) {
      const text = new TextDecoder("latin1").decode(await Deno.readFile(f));
      assertEquals(text.includes(CANARY), false, `${f} holds the canary`);
    }
    assertEquals(res.stderr.includes(CANARY), false);
  });
  await t.step("a warning names each refused file", () => {
    const warnings = res.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    for (
      const rel of [
        "done/tasks/hello/attempt-1/artifacts/hello.txt': it is a symbolic link",
        "done/tasks/broken/attempt-1/stderr.txt': it is a symbolic link",
        "done/tasks/fan_n-1/attempt-1/notebook.ipynb': it is a symbolic link",
        "done/tasks/fan_n-2/attempt-1/values.jsonl': it is a symbolic link",
        "done/tasks/flaky/attempt-2': it is a symbolic link",
        "done/tasks/fanin': it is a symbolic link",
        "done/tasks/slow/attempt-1/stderr.txt': it is not a regular file",
        "done/../../outside/canary.txt': the recorded path is unsafe",
        "killed/tasks/sleep/attempt-1/stderr.txt': it is a symbolic link",
        "killed/tasks/ghost/attempt-1': it is a symbolic link",
        "linked-summary/run.json': it is a symbolic link",
      ]
    ) {
      assertOk(warnings.some((w) => w.includes(rel)), `no warning names ${rel}:\n${res.stderr}`);
    }
    assertEquals(res.stderr.includes("    at "), false);
  });
  await t.step("the rest of each run is published", async () => {
    const page = (run: string, p: string) => Deno.readTextFile(join(out, "runs", run, p));
    const hello = await page("real-executor-run", "hello.html");
    assertStringIncludes(hello, "hello.txt");
    assertStringIncludes(hello, "cannot copy");
    // Executed notebooks are stored once, by content hash.
    assertMatch(hello, /href="\.\.\/\.\.\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.ipynb"/);
    const broken = await page("real-executor-run", "broken.html");
    assertStringIncludes(broken, "ValueError");
    assertMatch(broken, /href="\.\.\/\.\.\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.ipynb"/);
    assertEquals(broken.includes('href="files/broken/attempt-1/stderr.txt"'), false);
    const flaky = await page("real-executor-run", "flaky.html");
    assertStringIncludes(flaky, 'href="files/flaky/attempt-1/stderr.txt"');
    const killedRun = await page("killed", "index.html");
    assertStringIncludes(killedRun, "sleep");
    assertEquals(killedRun.includes("ghost"), false);
    const problems = await Deno.readTextFile(join(out, "problems.html"));
    assertStringIncludes(problems, "linked-summary");
  });
});
