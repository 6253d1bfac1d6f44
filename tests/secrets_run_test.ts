/**
 * `secrets:` end to end, with real Jupyter kernels: a notebook prints, displays, raises with,
 * logs as values and writes as an artifact the values of a pipeline secret and a task secret
 * (plain, base64, URL-encoded); the whole run folder, the command's own output, the built site
 * and the summary hold none of their bytes, and `P` never held them. A secret missing from the
 * environment, or a `--param` named like one, stops `run` before anything starts.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";
import { secretForms } from "../lib/log/redact/redact.ts";

const PIPELINE = join(ROOT, "tests/fixtures/pipelines/secrets/pipeline.yaml");
const FLAGS = RUN_PERMISSIONS.split(" ");
const PIPELINE_SECRET = "pipe-S3cr3t/with+slash";
const TASK_SECRET = "tok_Ab9/+é ünï";
const ENV = {
  SECRETS_FIXTURE_PIPELINE_SECRET: PIPELINE_SECRET,
  SECRETS_FIXTURE_TASK_SECRET: TASK_SECRET,
};

/** Every form of both secrets, as UTF-8 bytes. */
const FORMS: [string, Uint8Array][] = [PIPELINE_SECRET, TASK_SECRET].flatMap((s) =>
  secretForms(s).map((f): [string, Uint8Array] => [f, new TextEncoder().encode(f)])
);

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Paths of every file under `dir`, following no link. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await files(path));
    else if (e.isFile) out.push(path);
  }
  return out;
}

async function assertNoSecretBytes(dir: string): Promise<number> {
  const all = await files(dir);
  for (const path of all) {
    const bytes = await Deno.readFile(path);
    for (const [form, needle] of FORMS) {
      assertEquals(
        indexOf(bytes, needle),
        -1,
        `${path} holds the secret form ${JSON.stringify(form)}`,
      );
    }
  }
  return all.length;
}

function assertNoSecretText(what: string, text: string): void {
  for (const [form] of FORMS) assertEquals(text.includes(form), false, `${what} holds ${form}`);
}

Deno.test("cli.ts run keeps secrets out of the run folder, the site and the summary", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  const res = await runCliProcess(
    ["run", PIPELINE, "--out", out, "--run-id", "secrets", "--concurrency", "2"],
    { flags: FLAGS, env: ENV },
  );
  const runFolder = join(out, "secrets");
  await t.step("the run ends as the notebooks say: the failing task fails", async () => {
    assertEquals(res.code, 1, res.stderr);
    const summary = JSON.parse(await Deno.readTextFile(join(runFolder, "run.json")));
    const status = Object.fromEntries(
      summary.tasks.map((task: { id: string; status: string }) => [task.id, task.status]),
    );
    // `leak` asserts inside the kernel that no secret is in P.
    assertEquals(status, { leak: "succeeded", "read-upstream": "succeeded", fail: "failed" });
  });
  await t.step("the run command's own output holds no secret", () => {
    assertNoSecretText("stdout", res.stdout);
    assertNoSecretText("stderr", res.stderr);
  });
  await t.step("no file of the run folder holds a secret, in any form", async () => {
    const count = await assertNoSecretBytes(runFolder);
    assertOk(count >= 10, `only ${count} files`);
  });
  await t.step("what the notebook showed is there, with *** for each secret", async () => {
    const leak = join(runFolder, "tasks/leak/attempt-1");
    const notebook = await Deno.readTextFile(join(leak, "notebook.ipynb"));
    assertStringIncludes(notebook, "plain: *** ***");
    assertStringIncludes(notebook, "base64: ***");
    assertStringIncludes(notebook, "url: ***");
    assertStringIncludes(notebook, "stderr stream: ***");
    assertStringIncludes(notebook, "<b>***</b>");
    const values = await Deno.readTextFile(join(leak, "values.jsonl"));
    assertStringIncludes(values, '"value": "***"');
    assertEquals(await Deno.readTextFile(join(leak, "artifacts/leak.txt")), "token=***\nb64=***\n");
    assertEquals(await Deno.readTextFile(join(leak, "artifacts/clean.txt")), "nothing secret\n");
    const downstream = await Deno.readTextFile(
      join(runFolder, "tasks/read-upstream/attempt-1/notebook.ipynb"),
    );
    assertStringIncludes(downstream, "upstream value: ***");
    const failed = await Deno.readTextFile(join(runFolder, "run.json"));
    assertStringIncludes(failed, "cannot connect with ***");
    assertStringIncludes(
      await Deno.readTextFile(join(runFolder, "spans.jsonl")),
      "cannot connect with ***",
    );
  });
  await t.step("the artifact's size and sha256 are those of the redacted file", async () => {
    const summary = JSON.parse(await Deno.readTextFile(join(runFolder, "run.json")));
    const leak = summary.tasks.find((task: { id: string }) => task.id === "leak");
    const artifact = leak.artifacts.find((a: { name: string }) => a.name === "leak.txt");
    const bytes = await Deno.readFile(join(runFolder, artifact.path));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    assertEquals([artifact.size, artifact.sha256], [bytes.length, hex]);
  });
  await t.step("the site and the summary built from it hold no secret", async () => {
    const site = join(dir.path, "site");
    const built = await runCliProcess(["site", out, "--out", site], {
      flags: ["--allow-read", "--allow-write"],
    });
    assertEquals(built.code, 0, built.stderr);
    assertOk(await assertNoSecretBytes(site) > 5);
    const summary = await runCliProcess(["summary", runFolder]);
    assertEquals(summary.code, 0, summary.stderr);
    assertStringIncludes(summary.stdout, "| leak | token | \\*\\*\\* |");
    assertNoSecretText("summary", summary.stdout);
  });
});

Deno.test("cli.ts run stops before anything starts when a secret is unset or a --param looks like one", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  await t.step("a secret missing from the environment", async () => {
    const res = await runCliProcess(["run", PIPELINE, "--out", out], {
      flags: FLAGS,
      env: { SECRETS_FIXTURE_PIPELINE_SECRET: PIPELINE_SECRET },
    });
    assertEquals(res.code, 2, res.stderr);
    assertEquals(
      res.stderr.trim(),
      "error: Cannot start the run: secret SECRETS_FIXTURE_TASK_SECRET (for task 'leak') is not set. " +
        "Set each in the environment of the run (in GitHub Actions: env: { NAME: ${{ secrets.NAME }} }) " +
        "or remove it from secrets: in 'secrets-fixture'",
    );
    assertEquals(
      await Deno.stat(out).then(() => true, () => false),
      false,
      "a run folder was made",
    );
  });
  await t.step("a --param named like a secret", async () => {
    const res = await runCliProcess(
      ["run", PIPELINE, "--out", out, "--param", "api_token=hunter2-value"],
      { flags: FLAGS, env: ENV },
    );
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, '"api_token" looks like the name of a secret');
    assertStringIncludes(res.stderr, "secrets: [API_TOKEN]");
    assertEquals(res.stderr.includes("hunter2-value"), false, res.stderr);
    assertEquals(
      await Deno.stat(out).then(() => true, () => false),
      false,
      "a run folder was made",
    );
  });
});
