/**
 * Cost of one notebook attempt: `runAttempt()` (spawned kernel) and `ForkServer.run()` (a warm
 * persistent driver forking the kernel) on an empty notebook, against three baselines measured in
 * the same run: a bare `python -c "import nbclient"` (interpreter and imports), a bare nbclient
 * execution (kernel start-up included), and `jupyter nbconvert --execute`.
 *
 *     deno bench -A bench/attempt_bench.ts
 *
 * Each case runs 5 times after one warm-up; every run but the first starts a real kernel. The
 * functions are `async` on purpose: Deno.bench only awaits async functions.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAttempt } from "../lib/execute/attempt.ts";
import { ForkServer } from "../lib/execute/fork_server.ts";
import { detectPython } from "../lib/execute/python.ts";

const python = (await detectPython()).path;
const notebook = fileURLToPath(new URL("../tests/fixtures/notebooks/empty.ipynb", import.meta.url));
const work = await Deno.makeTempDir({ prefix: "pynb-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
const env = { PYDEVD_DISABLE_FILE_VALIDATION: "1" };
const options = { n: 5, warmup: 1, group: "empty notebook" };

async function run(args: string[]): Promise<void> {
  const out = await new Deno.Command(python, {
    args,
    env,
    cwd: work,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const hasNbconvert = (await new Deno.Command(python, {
  args: ["-c", "import nbconvert"],
  stderr: "null",
}).output()).success;

Deno.bench({
  name: 'python -c "import nbclient"',
  baseline: true,
  ...options,
  async fn() {
    await run(["-c", "import nbclient"]);
  },
});

Deno.bench({
  name: "nbclient.execute() (immediate shutdown)",
  ...options,
  async fn() {
    await run([
      "-c",
      "import nbclient, nbformat, sys; nb = nbformat.read(sys.argv[1], 4); " +
      "nbclient.NotebookClient(nb, shutdown_kernel='immediate').execute()",
      notebook,
    ]);
  },
});

let attempt = 0;
Deno.bench({
  name: "runAttempt()",
  ...options,
  async fn() {
    const dir = join(work, `attempt-${++attempt}`);
    await Deno.mkdir(dir);
    const result = await runAttempt({
      python,
      notebookPath: notebook,
      outputNotebookPath: join(dir, "notebook.ipynb"),
      attemptDir: dir,
      workDir: work,
      kernel: "python3",
      timeoutSeconds: 120,
      context: { runId: "bench", taskId: "empty", instanceId: "empty", attempt },
    });
    if (result.status !== "succeeded") throw new Error(JSON.stringify(result.error));
  },
});

const server = new ForkServer();
globalThis.addEventListener("unload", () => void server.close());
Deno.bench({
  name: "ForkServer.run() (warm driver, forked kernel)",
  ...options,
  async fn() {
    const dir = join(work, `attempt-${++attempt}`);
    await Deno.mkdir(dir);
    const result = await server.run({
      python,
      notebookPath: notebook,
      outputNotebookPath: join(dir, "notebook.ipynb"),
      attemptDir: dir,
      workDir: work,
      kernel: "python3",
      timeoutSeconds: 120,
      context: { runId: "bench", taskId: "empty", instanceId: "empty", attempt },
    });
    if (result.status !== "succeeded") throw new Error(JSON.stringify(result.error));
  },
});

Deno.bench({
  name: "jupyter nbconvert --execute",
  ignore: !hasNbconvert,
  ...options,
  async fn() {
    await run([
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--output-dir",
      work,
      "--output",
      "nbconvert-out",
      notebook,
    ]);
  },
});
