import { join } from "node:path";
import { assertEquals, assertOk as assert } from "../../tests/_deps.ts";
import { ROOT, tempDir } from "../../tests/_helpers.ts";
import { walkInside } from "../_base/safe_tree.ts";
import { cleanAttemptFolder } from "./attempt_cleanup.ts";
import { redactAttemptFolder, Redactor } from "./redact/redact.ts";
import { readAttemptValues } from "./values.ts";

const SECRET = "hunter2-Tok3n";

/**
 * Runs Python lines as a notebook's kernel would, with the runner's module, in the attempt folder
 * `tasks/a/attempt-1` (with its `artifacts/`) of a new run folder in `dir`.
 */
async function notebook(dir: string, lines: string[]): Promise<{ run: string; attempt: string }> {
  const run = join(dir, "run");
  const attempt = join(run, "tasks", "a", "attempt-1");
  await Deno.mkdir(join(attempt, "artifacts"), { recursive: true });
  const out = await new Deno.Command(Deno.env.get("PYTHON") ?? "python3", {
    args: ["-c", lines.join("\n")],
    cwd: attempt,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      PYTHONPATH: join(ROOT, "lib", "execute", "python"),
      PYTHONDONTWRITEBYTECODE: "1",
      PYNB_ATTEMPT_DIR: attempt,
      S: SECRET,
    },
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return { run, attempt };
}

async function everyText(dir: string): Promise<string> {
  const listing = await walkInside(dir);
  const texts = await Promise.all(listing.files.map((f) => Deno.readTextFile(join(dir, f.rel))));
  return [...listing.files.map((f) => f.rel), ...listing.dirs, ...texts].join("\n");
}

Deno.test("cleanAttemptFolder() leaves only files and folders: every link and FIFO a notebook makes goes", async () => {
  await using dir = await tempDir("pynb-cleanup-");
  const { run, attempt } = await notebook(dir.path, [
    "import os, pynb_dag_runner as p",
    "p.log_artifact('ok.txt', 'fine')",
    "os.symlink('/etc/passwd', 'artifacts/passwd')",
    "os.symlink('/proc/self/environ', 'environ')",
    "os.symlink('..', 'artifacts/up')",
    "os.mkfifo('artifacts/fifo')",
    "os.makedirs('artifacts/deep/er')",
    "os.symlink('/etc', 'artifacts/deep/er/etc')",
    "os.symlink('ok.txt', 'artifacts/inner')",
    'open(\'values.jsonl\', \'a\').write(\'{"kind":"artifact","name":"passwd","path":"artifacts/passwd","size":1,"sha256":"\' + \'0\'*64 + \'","timestamp":"2026-11-30T12:00:00Z"}\\n\')',
  ]);
  const said = await cleanAttemptFolder(attempt);
  assertEquals(said.length, 6, said.join("\n"));
  for (
    const name of [
      "artifacts/passwd",
      "environ",
      "artifacts/up",
      "artifacts/fifo",
      "artifacts/deep/er/etc",
      "artifacts/inner",
    ]
  ) {
    assert(said.some((s) => s.includes(`'${name}'`)), name);
  }
  const listing = await walkInside(attempt);
  assertEquals(listing.refused, []);
  assertEquals(listing.files.map((f) => f.rel), ["artifacts/ok.txt", "values.jsonl"]);
  const logged = await readAttemptValues(run, "tasks/a/attempt-1");
  assertEquals(logged.artifacts.map((a) => a.path), ["tasks/a/attempt-1/artifacts/ok.txt"]);
  assert(logged.warnings.some((w) => w.includes('"passwd"') && w.includes("not a file")));
});

Deno.test("cleanAttemptFolder() and redaction keep secrets out of names, the same way on disk and in values.jsonl", async () => {
  await using dir = await tempDir("pynb-cleanup-");
  const { run, attempt } = await notebook(dir.path, [
    "import os, pynb_dag_runner as p",
    "s = os.environ['S']",
    "p.log_artifact(f'roc-{s}.png', b'png')",
    "p.log_artifact(f'{s}', 'x')",
    "os.makedirs(f'artifacts/run-{s}/in-{s}')",
    "open(f'artifacts/run-{s}/in-{s}/f-{s}.txt', 'w').write('y')",
    "p.log_value(f'v-{s}', 1)",
  ]);
  const redactor = new Redactor([SECRET]);
  const said = await cleanAttemptFolder(attempt, redactor);
  await redactAttemptFolder(attempt, redactor);
  assert(said.length >= 5 && said.every((s) => !s.includes(SECRET)), said.join("\n"));
  assert(!(await everyText(attempt)).includes(SECRET));
  const listing = await walkInside(attempt);
  assert(listing.files.some((f) => f.rel === "artifacts/run-***/in-***/f-***.txt"));
  const logged = await readAttemptValues(run, "tasks/a/attempt-1");
  assertEquals(logged.warnings, []);
  assertEquals(logged.artifacts.map((a) => a.path).sort(), [
    "tasks/a/attempt-1/artifacts/***",
    "tasks/a/attempt-1/artifacts/roc-***.png",
  ]);
  for (const a of logged.artifacts) {
    const bytes = await Deno.readFile(join(run, a.path));
    assertEquals(bytes.length, a.size);
  }
});

Deno.test("cleanAttemptFolder() removes an attempt folder that a notebook replaced by a link", async () => {
  await using dir = await tempDir("pynb-cleanup-");
  const attempt = join(dir.path, "attempt-1");
  await Deno.mkdir(join(dir.path, "elsewhere"));
  await Deno.writeTextFile(join(dir.path, "elsewhere", "keep"), "keep");
  await Deno.symlink(join(dir.path, "elsewhere"), attempt);
  const said = await cleanAttemptFolder(attempt);
  assert(said[0]!.includes("symbolic link"), said[0]);
  assertEquals(await Deno.lstat(attempt).catch(() => "absent"), "absent");
  assertEquals(await Deno.readTextFile(join(dir.path, "elsewhere", "keep")), "keep");
});
