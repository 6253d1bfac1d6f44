/**
 * runAttempt() with real Jupyter kernels: success with logged data, cell error, kernel death,
 * large and unicode output. Each test checks that no process of the attempt is left.
 */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { type ValueLine, ValueLineSchema } from "../lib/log/schema.ts";
import {
  attemptPids,
  liveProcesses,
  NOTEBOOKS,
  runFixture,
  streamText,
} from "./attempt_fixture.ts";
import { runAttempt } from "../lib/execute/attempt.ts";

async function assertNothingLeft(events: Parameters<typeof attemptPids>[0]): Promise<void> {
  const { driver, kernel } = attemptPids(events);
  const ids = { pids: [driver, kernel], groups: [driver, kernel], sessions: [driver, kernel] };
  assertEquals(await liveProcesses(ids), [], "processes of the attempt are left");
}

Deno.test("runAttempt() runs a prepared notebook and logs values, metrics, artifacts and a figure", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "up.csv"), "x,y\n");
  const upstreamFile = join(dir.path, "upstream.json");
  await Deno.writeTextFile(
    upstreamFile,
    JSON.stringify([1, 2].map((k) => ({
      id: `ingest[k=${k}]`,
      task: "ingest",
      matrix: { k },
      values: { rows: k * 10 },
      metrics: [],
      artifacts: { "data.csv": join(dir.path, "up.csv") },
    }))),
  );
  Deno.env.set("ACTIONS_RUNTIME_TOKEN", "secret-runtime-token");
  const run = await runFixture("success", dir.path, {
    upstreamFile,
    env: { MY_SETTING: "42" },
  }).finally(() => Deno.env.delete("ACTIONS_RUNTIME_TOKEN"));

  assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
  assertEquals(run.result.exitCode, 0);
  assertEquals(run.result.error, undefined);
  assertOk(run.result.endedAt >= run.result.startedAt);

  const types = run.events.map((e) => e.type);
  assertEquals(types[0], "started");
  assertEquals(types[1], "kernel_started");
  assertEquals(types.at(-1), "done");
  assertEquals(run.events.filter((e) => e.type === "cell_started").map((e) => e.cellIndex), [
    1,
    2,
    3,
    4,
    5,
  ]);
  assertEquals(run.events.filter((e) => e.type === "cell_done").length, 5);

  const printed = streamText(run.notebook, 3);
  assertStringIncludes(printed, 'hällo "wörld" ✓ 3\n');
  assertStringIncludes(printed, `cwd ${dir.path}\n`);
  assertStringIncludes(printed, "context run-1 success success[k=1] 1\n");
  // Task env reaches the kernel; the CI runner's own token does not.
  assertStringIncludes(printed, "env 42 None\n");
  assertOk(!printed.includes(`runtime ${Deno.env.get("HOME")}`), printed);
  assertEquals(streamText(run.notebook, 3, "stderr"), "oops\n");
  // Figures render inline in the executed notebook (no Agg backend forced on the kernel).
  const figure = run.notebook.cells[5]?.outputs?.find((o) => o.output_type === "display_data");
  assertOk(figure && "image/png" in (figure.data as Record<string, unknown>), "no inline figure");
  const displays = run.events.filter((e) => e.type === "display" && e.cellIndex === 5);
  assertOk(displays.some((e) => e.type === "display" && e.mimeTypes.includes("image/png")));

  const lines: ValueLine[] = (await Deno.readTextFile(join(run.attemptDir, "values.jsonl")))
    .trim().split("\n").map((l) => ValueLineSchema.parse(JSON.parse(l)));
  const values = Object.fromEntries(
    lines.flatMap((l) => l.kind === "value" ? [[l.name, l.value]] : []),
  );
  assertEquals(values, {
    greeting: 'hällo "wörld" ✓',
    params: { n: 3, list: [1, 2.5, null, true] },
    upstream: [
      { id: "ingest[k=1]", rows: 10, matrix: { k: 1 }, artifact: "x,y\n" },
      { id: "ingest[k=2]", rows: 20, matrix: { k: 2 }, artifact: "x,y\n" },
    ],
  });
  const metrics = lines.flatMap((l) => l.kind === "metric" ? [[l.name, l.value, l.step]] : []);
  assertEquals(metrics, [["loss", 1, 0], ["loss", 0.5, 1], ["loss", 1 / 3, 2], [
    "accuracy",
    0.9,
    null,
  ]]);
  const artifacts = lines.flatMap((l) => l.kind === "artifact" ? [l] : []);
  assertEquals(artifacts.map((a) => [a.name, a.path, a.mediaType]), [
    ["data/hello.txt", "artifacts/data/hello.txt", "text/plain"],
    ["raw.bin", "artifacts/raw.bin", "application/octet-stream"],
    ["table.csv", "artifacts/table.csv", "text/csv"],
    ["curve.png", "artifacts/curve.png", "image/png"],
  ]);
  for (const artifact of artifacts) {
    const bytes = await Deno.readFile(join(run.attemptDir, artifact.path));
    assertEquals(artifact.size, bytes.length, artifact.name);
    assertEquals(artifact.sha256, createHash("sha256").update(bytes).digest("hex"), artifact.name);
  }
  assertEquals(await Deno.readTextFile(join(run.attemptDir, "artifacts/table.csv")), "a,b\n1,2\n");
  const png = await Deno.readFile(join(run.attemptDir, "artifacts/curve.png"));
  assertEquals([...png.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await assertNothingLeft(run.events);
});

Deno.test("runAttempt() stops at a cell error and keeps the partial notebook", async () => {
  await using parent = await tempDir();
  const dir = { path: join(parent.path, "work") };
  await Deno.mkdir(dir.path);
  // Paths relative to the runner's folder work although the kernel runs in another one.
  const run = await runFixture("error", dir.path, { relativeTo: parent.path });
  assertEquals(run.result.status, "failed");
  assertEquals(run.result.exitCode, 1);
  const error = run.result.error!;
  assertEquals([error.ename, error.evalue, error.cellIndex], ["ValueError", "boom ✗ 42", 1]);
  // deno-lint-ignore no-control-regex
  const plain = error.traceback.join("\n").replace(/\x1b\[[0-9;]*m/g, "");
  assertMatch(plain, /----> 3 fail\(\)/);
  assertMatch(plain, /ValueError: boom ✗ 42/);
  assertEquals(streamText(run.notebook, 0), "before the error\n");
  const errorOutput = run.notebook.cells[1]?.outputs?.[0];
  assertEquals([errorOutput?.output_type, errorOutput?.ename], ["error", "ValueError"]);
  assertEquals(run.notebook.cells[2]?.outputs, [], "the cell after the error ran");
  const cellError = run.events.find((e) => e.type === "cell_error");
  assertEquals(cellError?.type === "cell_error" && cellError.evalue, "boom ✗ 42");
  await assertNothingLeft(run.events);
});

Deno.test("runAttempt() reports a kernel that died as KernelDied", async () => {
  await using dir = await tempDir();
  const run = await runFixture("kernel_death", dir.path);
  assertEquals(run.result.status, "failed");
  assertEquals(run.result.error?.ename, "KernelDied");
  assertEquals(run.result.error?.cellIndex, 1);
  assertStringIncludes(
    run.result.error!.evalue,
    "The kernel died (it was running cell 1): the kernel process exited with code 1;",
  );
  assertEquals(streamText(run.notebook, 0), "still alive\n");
  await assertNothingLeft(run.events);
});

Deno.test("runAttempt() keeps 5 MB of output and unicode intact", async () => {
  await using dir = await tempDir();
  const run = await runFixture("large_output", dir.path);
  assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
  const big = streamText(run.notebook, 0);
  assertEquals(big.length, 50_000 * 100 + "END-OF-LARGE-OUTPUT\n".length);
  assertOk(big.endsWith("x\nEND-OF-LARGE-OUTPUT\n"));
  // Events carry the tail of each message, but count every character.
  const streams = run.events.filter((e) => e.type === "stream" && e.cellIndex === 0);
  assertEquals(streams.reduce((n, e) => n + (e.type === "stream" ? e.chars : 0), 0), big.length);
  assertOk(streams.every((e) => e.type === "stream" && e.text.length <= 2000));
  assertOk(streams.length > 1, "the output came in one message: the merge is not tested");
  // Consecutive prints are merged into outputs of about 1 MB, not one per message (how many
  // messages ipykernel sends depends on the machine's speed; cell 2 tests merging for sure).
  const outputs = run.notebook.cells[0]?.outputs ?? [];
  const texts = outputs.map((o) => Array.isArray(o.text) ? o.text.join("") : String(o.text));
  assertOk(
    outputs.length <= streams.length,
    `${outputs.length} outputs, ${streams.length} messages`,
  );
  assertOk(texts.slice(0, -1).every((t) => t.length >= 2 ** 20), texts.map((t) => t.length).join());
  assertEquals(streamText(run.notebook, 1), "unicode: 日本語 ✓ émoji 🎉 \u2028 rtl עברית\n");
  assertEquals(streamText(run.notebook, 1, "stderr"), "stderr: ✗\n");
  // A progress bar redrawn with "\r" keeps its last state, as Jupyter shows it.
  assertEquals(streamText(run.notebook, 2), "progress 100% done\n");
  const progress = run.events.filter((e) => e.type === "stream" && e.cellIndex === 2);
  assertOk(progress.length > 1, "the progress bar came in one message: the redraw is not tested");
  assertEquals(run.notebook.cells[2]?.outputs?.length, 1, "the messages were not merged");
  const result = run.notebook.cells[1]?.outputs?.find((o) => o.output_type === "execute_result");
  assertEquals((result?.data as Record<string, unknown>)["text/plain"], ["'result: ∑'"]);
  await assertNothingLeft(run.events);
});

Deno.test("runAttempt() names the installed kernels when the kernel does not exist", async () => {
  await using dir = await tempDir();
  const run = await runFixture("empty", dir.path, { kernel: "no-such-kernel" });
  assertEquals(run.result.status, "failed");
  assertEquals(run.result.error?.ename, "NoSuchKernel");
  assertMatch(
    run.result.error!.evalue,
    /^Cannot start kernel 'no-such-kernel': no such kernel \(installed: .*python3.*\)$/,
  );
  assertEquals(run.events.some((e) => e.type === "kernel_started"), false);
});

Deno.test("runAttempt() reports a driver that cannot start or crashes as DriverFailed", async (t) => {
  await using dir = await tempDir();
  const request = {
    notebookPath: join(NOTEBOOKS, "empty.ipynb"),
    outputNotebookPath: join(dir.path, "notebook.ipynb"),
    attemptDir: dir.path,
    workDir: dir.path,
    kernel: "python3",
    timeoutSeconds: 60,
    context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 },
  };
  await t.step("an interpreter that exits at once, with the end of its stderr", async () => {
    const python = join(dir.path, "broken-python");
    await Deno.writeTextFile(
      python,
      "#!/bin/sh\necho 'line 1' >&2\necho 'fatal: no luck' >&2\nexit 3\n",
    );
    await Deno.chmod(python, 0o755);
    const result = await runAttempt({ ...request, python });
    assertEquals([result.status, result.exitCode, result.error?.ename], [
      "failed",
      3,
      "DriverFailed",
    ]);
    assertStringIncludes(result.error!.evalue, "exited with code 3 before the notebook finished");
    assertEquals(result.error!.traceback, ["line 1", "fatal: no luck"]);
    assertEquals(
      await Deno.readTextFile(join(dir.path, "stderr.txt")),
      "line 1\nfatal: no luck\n",
    );
  });
  await t.step("an interpreter that does not exist", async () => {
    const result = await runAttempt({ ...request, python: join(dir.path, "no-such-python") });
    assertEquals([result.status, result.exitCode, result.error?.ename], [
      "failed",
      null,
      "DriverFailed",
    ]);
    assertStringIncludes(result.error!.evalue, "Cannot start the notebook driver with");
  });
});
