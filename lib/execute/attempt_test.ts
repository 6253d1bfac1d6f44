import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { type AttemptRequest, type DriverCommand, runAttempt } from "./attempt.ts";

/** A stand-in driver speaking the protocol in sh, started as the `command` of runAttempt. */
function standIn(script: string): DriverCommand {
  return () => ["setsid", "sh", "-c", script];
}

function request(dir: string, timeoutSeconds = 60): AttemptRequest {
  return {
    python: "python3",
    notebookPath: join(dir, "in.ipynb"),
    outputNotebookPath: join(dir, "notebook.ipynb"),
    attemptDir: dir,
    workDir: dir,
    kernel: "python3",
    timeoutSeconds,
    env: { GREETING: "hello" },
    context: { runId: "r", taskId: "t", instanceId: "t[n=1]", attempt: 2 },
  };
}

Deno.test("runAttempt() starts the driver command it is given, in the kernel's environment", async () => {
  await using dir = await tempDir();
  const done = JSON.stringify({ type: "done", time: 0, status: "succeeded" });
  const result = await runAttempt(request(dir.path), {
    command: standIn(
      `echo "$GREETING $PYNB_INSTANCE_ID $PYNB_ATTEMPT $(pwd)" >&2; echo '${done}'`,
    ),
  });
  assertEquals([result.status, result.exitCode, result.error], ["succeeded", 0, undefined]);
  assertEquals(
    await Deno.readTextFile(join(dir.path, "stderr.txt")),
    `hello t[n=1] 2 ${dir.path}\n`,
  );
});

Deno.test("runAttempt() asks the driver command to stop at the timeout and says where", async () => {
  await using dir = await tempDir();
  const cell = JSON.stringify({ type: "cell_started", time: 0, cellIndex: 3, codeCellNumber: 2 });
  const result = await runAttempt(request(dir.path, 0.2), {
    command: standIn(`echo '${cell}'; read request; echo "asked: $request" >&2`),
  });
  assertEquals([result.status, result.error?.ename, result.error?.cellIndex], [
    "timeout",
    "Timeout",
    3,
  ]);
  assertStringIncludes(
    await Deno.readTextFile(join(dir.path, "stderr.txt")),
    'asked: {"stop":"timeout","ename":"Timeout","message":"pynb-dag-runner stopped the notebook: ' +
      'it did not finish within its timeout of 0.2 s"}',
  );
});
