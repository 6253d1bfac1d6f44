/**
 * `cli.ts run --cache` and `--resume` end to end, as real subprocesses under the documented
 * permission flags, with real Jupyter kernels and tiny one-cell notebooks: what a second run
 * restores, what an edit, a parameter, an `inputs:` file or an upstream value invalidates, that a
 * failure is never cached, resuming after a failure and after SIGKILL, two runs sharing one cache
 * at once, and an entry truncated on disk.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { processesOfRun, ROOT, runCliProcess, tempDir, waitForProcessOfRun } from "./_helpers.ts";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary } from "../lib/log/schema.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";
import { layoutDir, MANIFEST, ManifestSchema } from "../lib/cache/manifest.ts";

const FLAGS = RUN_PERMISSIONS.split(" ");

/** A notebook of one code cell (and a parameters cell when given). */
function notebook(code: string, parameters?: string): string {
  return (parameters === undefined ? "" : `# %% tags=["parameters"]\n${parameters}\n\n`) +
    `# %%\nimport pynb_dag_runner as pdr\n${code}\n`;
}

/** Writes files into a folder. */
async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
}

/**
 * Python that marks this run as having started `name` and waits (at most 60 s) until a second run
 * has too: a rendezvous of two runs on one notebook.
 */
function barrier(name: string): string {
  return [
    "import os, time",
    'os.makedirs("barrier", exist_ok=True)',
    `open(f"barrier/${name}-{os.environ['PYNB_RUN_ID']}", "w").close()`,
    "t0 = time.time()",
    `while len([f for f in os.listdir("barrier") if f.startswith("${name}-")]) < 2 and time.time() - t0 < 60:`,
    "    time.sleep(0.05)",
  ].join("\n");
}

/** `a` reads an inputs: file; `b` (parameter k) and `c` need `a`; `d` needs `b`. */
const DIAMOND: Record<string, string> = {
  "pipeline.yaml": [
    "name: cached-diamond",
    "tasks:",
    "  a: { notebook: a.py, inputs: [data/*.txt] }",
    "  b: { notebook: b.py, needs: [a], parameters: { k: 1 } }",
    "  c: { notebook: c.py, needs: [a] }",
    "  d: { notebook: d.py, needs: [b] }",
    "",
  ].join("\n"),
  "a.py": notebook(
    'pdr.log_value("x", open("data/in.txt").read().strip())\npdr.log_artifact("x.txt", "x")',
  ),
  "b.py": notebook('[a] = pdr.upstream("a")\npdr.log_value("y", a.values["x"] * k)', "k = 0"),
  "c.py": notebook('pdr.log_value("z", 1)'),
  "d.py": notebook('[b] = pdr.upstream("b")\npdr.log_value("w", b.values["y"].upper())'),
};

interface Run {
  code: number;
  stderr: string;
  summary: RunSummary;
  /** Instance id to `cached` / `ran` / its status. */
  how: Record<string, string>;
}

async function run(dir: string, runId: string, extra: string[] = []): Promise<Run> {
  const res = await runCliProcess(
    ["run", "pipeline.yaml", "--out", "runs", "--run-id", runId, "--concurrency", "2", ...extra],
    { flags: FLAGS, cwd: dir },
  );
  const { summary } = await readRunFolder(join(dir, "runs", runId));
  const how = Object.fromEntries(summary.tasks.map((t) => [
    t.id,
    t.cached === true ? "cached" : t.status === "succeeded" ? "ran" : t.status,
  ]));
  return { code: res.code, stderr: res.stderr, summary, how };
}

function values(summary: RunSummary): Record<string, unknown> {
  return Object.fromEntries(summary.tasks.map((t) => [t.id, t.values]));
}

async function cacheEntries(dir: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const prefix of Deno.readDir(layoutDir(join(dir, ".pynb-cache")))) {
    if (prefix.name === "tmp") continue;
    for await (const e of Deno.readDir(join(layoutDir(join(dir, ".pynb-cache")), prefix.name))) {
      keys.push(e.name);
    }
  }
  return keys.sort();
}

Deno.test("cli.ts run --cache restores unchanged instances and re-runs exactly what changed", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(join(dir, "data"));
  await write(dir, { ...DIAMOND, "data/in.txt": "hi\n" });

  const first = await run(dir, "r1", ["--cache"]);
  assertEquals(first.code, 0, first.stderr);
  assertEquals(first.how, { a: "ran", b: "ran", c: "ran", d: "ran" });
  assertEquals(values(first.summary), {
    a: { x: "hi" },
    b: { y: "hi" },
    c: { z: 1 },
    d: { w: "HI" },
  });

  await t.step("a second unchanged run executes nothing", async () => {
    const second = await run(dir, "r2", ["--cache"]);
    assertEquals(second.code, 0, second.stderr);
    assertEquals(second.how, { a: "cached", b: "cached", c: "cached", d: "cached" });
    assertEquals(second.summary.tasks.map((x) => x.cachedFrom), ["r1", "r1", "r1", "r1"]);
    assertEquals(values(second.summary), values(first.summary));
    assertEquals(
      second.summary.tasks.map((x) => x.cacheKey),
      first.summary.tasks.map((x) => x.cacheKey),
    );
    // The run folder holds the restored files: notebook, values and artifact.
    const a = second.summary.tasks[0]!;
    assertEquals(a.artifacts.map((x) => x.path), ["tasks/a/attempt-1/artifacts/x.txt"]);
    assertEquals(await Deno.readTextFile(join(dir, "runs/r2", a.artifacts[0]!.path)), "x");
    const nb = await Deno.readTextFile(join(dir, "runs/r2", a.attempts[0]!.notebook!));
    assertStringIncludes(nb, "log_artifact");
    // The progress output says so; no kernel was started.
    assertStringIncludes(second.stderr, "cached    a from run r1");
    assertStringIncludes(second.stderr, "(4 cached)");
    assertEquals(second.stderr.includes(" start "), false, second.stderr);
  });

  await t.step(
    "editing a notebook re-runs it and its downstream; its sibling stays cached",
    async () => {
      await write(dir, {
        "b.py": notebook(
          '[a] = pdr.upstream("a")\npdr.log_value("y", a.values["x"] * k + "!")',
          "k = 0",
        ),
      });
      const r = await run(dir, "r3", ["--cache"]);
      assertEquals(r.how, { a: "cached", b: "ran", c: "cached", d: "ran" });
      assertEquals(values(r.summary).d, { w: "HI!" });
    },
  );

  await t.step(
    "an upstream forced to run again that logs the same keeps its downstream",
    async () => {
      const r = await run(dir, "r4", ["--cache", "--force", "b"]);
      assertEquals(r.how, { a: "cached", b: "ran", c: "cached", d: "cached" });
      assertEquals(r.summary.tasks[3]!.cachedFrom, "r3");
    },
  );

  await t.step("a parameter invalidates its instance and what uses its values", async () => {
    await write(dir, { "pipeline.yaml": DIAMOND["pipeline.yaml"]!.replace("k: 1", "k: 2") });
    const r = await run(dir, "r5", ["--cache"]);
    assertEquals(r.how, { a: "cached", b: "ran", c: "cached", d: "ran" });
    assertEquals(values(r.summary).d, { w: "HIHI!" });
  });

  await t.step("an inputs: file invalidates its instance and everything downstream", async () => {
    await write(dir, { "data/in.txt": "ho\n" });
    const r = await run(dir, "r6", ["--cache"]);
    assertEquals(r.how, { a: "ran", b: "ran", c: "ran", d: "ran" });
    assertEquals(values(r.summary).d, { w: "HOHO!" });
  });

  await t.step(
    "--force runs a task whatever is stored; an unknown name is refused",
    async () => {
      const forced = await run(dir, "r7", ["--cache", "--force", "c"]);
      assertEquals(forced.how, { a: "cached", b: "cached", c: "ran", d: "cached" });
      const bad = await runCliProcess(
        ["run", "pipeline.yaml", "--out", "runs", "--cache", "--force", "cc"],
        { flags: FLAGS, cwd: dir },
      );
      assertEquals(bad.code, 2);
      assertStringIncludes(
        bad.stderr,
        'Cannot use --force "cc": it is neither a task nor an instance id',
      );
    },
  );
});

Deno.test("cli.ts run never caches a failure, and --resume reuses what the failed run finished", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await write(dir, {
    "pipeline.yaml": [
      "name: fails-once",
      "tasks:",
      "  ok: { notebook: ok.py }",
      "  flaky: { notebook: flaky.py, needs: [ok] }",
      "  after: { notebook: after.py, needs: [flaky] }",
      "",
    ].join("\n"),
    "ok.py": notebook('pdr.log_value("n", 7)'),
    // Fails until the file `fixed` exists: its key does not change when it appears.
    "flaky.py": notebook(
      'import os\nif not os.path.exists("fixed"):\n    raise ValueError("not yet")\npdr.log_value("m", 8)',
    ),
    "after.py": notebook('pdr.log_value("done", True)'),
  });
  const failed = await run(dir, "f1", ["--cache"]);
  assertEquals(failed.code, 1);
  assertEquals(failed.how, { ok: "ran", flaky: "failed", after: "skipped" });
  // Only the succeeded instance was saved.
  assertEquals(await cacheEntries(dir), [failed.summary.tasks[0]!.cacheKey!]);

  await write(dir, { fixed: "" });
  const resumed = await run(dir, "f2", ["--resume", "runs/f1"]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assertEquals(resumed.how, { ok: "cached", flaky: "ran", after: "ran" });
  assertEquals(resumed.summary.tasks[0]!.cachedFrom, "f1");
  // The new run folder is complete on its own.
  await Deno.remove(join(dir, "runs/f1"), { recursive: true });
  const again = await readRunFolder(join(dir, "runs/f2"));
  const ok = again.summary.tasks[0]!;
  assertEquals(ok.values, { n: 7 });
  assertOk((await Deno.stat(join(dir, "runs/f2", ok.attempts[0]!.notebook!))).size > 0);
});

Deno.test("two runs sharing one cache at once both succeed and leave whole entries; a truncated entry is a miss", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await write(dir, {
    // The pipeline's own cache: folder turns the cache on without --cache.
    "pipeline.yaml": [
      "name: shared",
      "cache: shared-cache",
      "tasks:",
      "  p: { notebook: p.py }",
      "  q: { notebook: q.py }",
      "",
    ].join("\n"),
    // Each notebook waits until the other run has started it too, so both runs miss the cache and
    // save the same key at once, however fast kernels start.
    "p.py": notebook(
      `${barrier("p")}\npdr.log_value("p", 1)\npdr.log_artifact("p.bin", b"p" * 50000)`,
    ),
    "q.py": notebook(`${barrier("q")}\npdr.log_value("q", 2)`),
  });
  const both = await Promise.all(["s1", "s2"].map((id) => run(dir, id, ["--concurrency", "1"])));
  for (const r of both) assertEquals([r.code, r.how], [0, { p: "ran", q: "ran" }], r.stderr);
  const cache = join(dir, "shared-cache");
  const keys = both[0]!.summary.tasks.map((x) => x.cacheKey!);
  assertEquals(both[1]!.summary.tasks.map((x) => x.cacheKey!), keys);
  for (const key of keys) {
    const entry = join(layoutDir(cache), key.slice(0, 2), key);
    const manifest = ManifestSchema.parse(
      JSON.parse(await Deno.readTextFile(join(entry, MANIFEST))),
    );
    assertOk(["s1", "s2"].includes(manifest.runId), manifest.runId);
  }
  assertEquals([...Deno.readDirSync(join(layoutDir(cache), "tmp"))], []);

  const third = await run(dir, "s3");
  assertEquals(third.how, { p: "cached", q: "cached" });
  const off = await run(dir, "s4", ["--no-cache"]);
  assertEquals(off.how, { p: "ran", q: "ran" });

  // Cut the artifact of p's entry short: the next run warns, runs p again and saves it again.
  const pKey = keys[0]!;
  const pEntry = join(layoutDir(cache), pKey.slice(0, 2), pKey);
  await Deno.truncate(join(pEntry, "artifacts", "p.bin"), 1000);
  const fifth = await run(dir, "s5");
  assertEquals(fifth.code, 0, fifth.stderr);
  assertEquals(fifth.how, { p: "ran", q: "cached" });
  assertStringIncludes(fifth.stderr, `cache entry ${pKey.slice(0, 12)} is corrupt`);
  assertStringIncludes(fifth.stderr, "artifacts/p.bin has 1000 bytes");
  const saved = ManifestSchema.parse(JSON.parse(await Deno.readTextFile(join(pEntry, MANIFEST))));
  assertEquals(saved.runId, "s5");
  assertEquals((await Deno.stat(join(pEntry, "artifacts", "p.bin"))).size, 50000);
});

Deno.test("cli.ts run --resume reuses what a run killed with SIGKILL had finished", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await write(dir, {
    "pipeline.yaml": [
      "name: killed",
      "tasks:",
      "  first: { notebook: first.py }",
      "  slow: { notebook: slow.py, needs: [first] }",
      "",
    ].join("\n"),
    "first.py": notebook('pdr.log_value("n", 1)\npdr.log_artifact("a.txt", "a")'),
    "slow.py": notebook('import subprocess\nsubprocess.run(["sleep", "1000"])'),
  });
  const runId = `killed-${crypto.randomUUID().slice(0, 8)}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...FLAGS, join(ROOT, "cli.ts"), "run"]
      .concat(["pipeline.yaml", "--out", "runs", "--run-id", runId]),
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForProcessOfRun(child, runId, "sleep 1000");
  child.kill("SIGKILL");
  assertEquals((await child.status).signal, "SIGKILL");
  // The killed runner's temporary folders are for the next runner to sweep; this test removes its own.
  const tmpRoot = Deno.env.get("TMPDIR") || "/tmp";
  for await (const entry of Deno.readDir(tmpRoot)) {
    if (new RegExp(`^pynb-dag-runner-[a-z]*-?${child.pid}-`).test(entry.name)) {
      await Deno.remove(join(tmpRoot, entry.name), { recursive: true }).catch(() => {});
    }
  }
  // The driver sees its stdin close and stops its kernel and what the cell started.
  const gone = Date.now() + 60_000;
  while ((await processesOfRun(runId)).length > 0 && Date.now() < gone) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assertEquals(await processesOfRun(runId), []);

  await write(dir, { "slow.py": notebook('pdr.log_value("slow", "done")') });
  const resumed = await run(dir, "after-kill", ["--resume", `runs/${runId}`]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assertEquals(resumed.how, { first: "cached", slow: "ran" });
  const first = resumed.summary.tasks[0]!;
  assertEquals([first.cachedFrom, first.values], [runId, { n: 1 }]);
  assertEquals(
    await Deno.readTextFile(join(dir, "runs/after-kill", first.artifacts[0]!.path)),
    "a",
  );
});

Deno.test("cli.ts run --cache stores redacted results only: no secret reaches the cache", async () => {
  await using tmp = await tempDir();
  const secrets = {
    SECRETS_FIXTURE_PIPELINE_SECRET: "pipe-S3cr3t/with+slash",
    SECRETS_FIXTURE_TASK_SECRET: "tok_Ab9/+é ünï",
  };
  const pipeline = join(ROOT, "tests/fixtures/pipelines/secrets/pipeline.yaml");
  const args = [
    "run",
    pipeline,
    "--out",
    join(tmp.path, "runs"),
    "--cache",
    join(tmp.path, "cache"),
  ];
  const first = await runCliProcess([...args, "--run-id", "c1"], { flags: FLAGS, env: secrets });
  assertEquals(first.code, 1, first.stderr); // the fixture's `fail` task fails on purpose
  const second = await runCliProcess([...args, "--run-id", "c2"], { flags: FLAGS, env: secrets });
  assertStringIncludes(second.stderr, "cached    leak from run c1");
  const encoder = new TextEncoder();
  const forms = Object.values(secrets).flatMap((
    s,
  ) => [s, JSON.stringify(s).slice(1, -1), btoa(String.fromCodePoint(...encoder.encode(s)))]);
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  await walk(join(tmp.path, "cache"));
  await walk(join(tmp.path, "runs", "c2"));
  assertOk(files.some((f) => f.endsWith("manifest.json")));
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    for (const form of forms) assertEquals(text.includes(form), false, `${file} holds a secret`);
  }
});
