import { join } from "node:path";
import { assertEquals } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { PlannedInstance } from "../plan/types.ts";
import { Redactor } from "../log/redact/redact.ts";
import { executePlan } from "./executor.ts";
import {
  type AttemptRunner,
  localInstanceRunner,
  type NotebookPreparer,
  type RunnerRequest,
} from "./instance_runner.ts";

const SECRET = "s3cr3t-value-42";

const instance: PlannedInstance = {
  id: "leak",
  task: "leak",
  slug: "leak",
  matrix: {},
  parameters: { public: 1 },
  needs: [],
  notebook: "leak.py",
  timeoutSeconds: 60,
  retries: 0,
  kernel: "python3",
  env: { PLAIN: "x" },
  secrets: ["API_TOKEN"],
};

const prepare: NotebookPreparer = () => Promise.resolve({ ipynb: "{}", warnings: [] });

Deno.test("localInstanceRunner() gives secrets to the kernel's environment and redacts the attempt as it ends", async () => {
  await using dir = await tempDir();
  const requests: RunnerRequest[] = [];
  const seenByLater: string[] = [];
  // Writes what a notebook that leaks its secret would write, and fails with it.
  const runner: AttemptRunner = async (request) => {
    requests.push(request);
    const secret = request.env?.API_TOKEN ?? "";
    await Deno.mkdir(join(request.attemptDir, "artifacts"), { recursive: true });
    await Deno.writeTextFile(join(request.attemptDir, "stderr.txt"), `token ${secret}\n`);
    await Deno.writeTextFile(join(request.attemptDir, "artifacts/a.txt"), btoa(secret));
    const line = { kind: "value", name: "t", value: secret, timestamp: new Date().toISOString() };
    await Deno.writeTextFile(join(request.attemptDir, "values.jsonl"), JSON.stringify(line) + "\n");
    const at = new Date();
    return {
      status: "failed",
      startedAt: at,
      endedAt: at,
      exitCode: 1,
      error: { ename: "ValueError", evalue: `bad ${secret}`, traceback: [`raise ${secret}`] },
    };
  };
  const summary = await executePlan({
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    instances: [instance],
    layers: [["leak"]],
  }, {
    instanceRunner: localInstanceRunner({
      runner,
      prepare,
      secrets: { API_TOKEN: SECRET, OTHER: "not-for-this-task" },
      redactor: new Redactor([SECRET]),
    }),
    runFolder: join(dir.path, "run"),
    runId: "r1",
    observer: {
      attemptEnded: (_, record) => seenByLater.push(JSON.stringify(record)),
    },
  });
  assertEquals(requests[0]?.env, { PLAIN: "x", API_TOKEN: SECRET });
  const attempt = join(dir.path, "run/tasks/leak/attempt-1");
  assertEquals(await Deno.readTextFile(join(attempt, "stderr.txt")), "token ***\n");
  assertEquals(await Deno.readTextFile(join(attempt, "artifacts/a.txt")), "***");
  const task = summary.tasks[0]!;
  assertEquals(task.values, { t: "***" });
  assertEquals(task.attempts[0]?.error?.evalue, "bad ***");
  assertEquals(task.attempts[0]?.error?.traceback, ["raise ***"]);
  assertEquals(seenByLater.some((s) => s.includes(SECRET)), false);
  const spans = await Deno.readTextFile(join(dir.path, "run/spans.jsonl"));
  assertEquals(spans.includes(SECRET), false);
  assertEquals(spans.includes("bad ***"), true);
});
