/**
 * The README tells the truth: every `deno task` it names exists, the permission flags of its
 * command reference are those each command documents in `--help` and its `deno task` grants, and
 * the "Run it on your own pipeline" commands work as written on a small pipeline.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";

const README = await Deno.readTextFile(join(ROOT, "README.md"));
const DENO_JSON = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))) as {
  tasks: Record<string, string | { command: string }>;
};

function taskCommand(name: string): string | undefined {
  const task = DENO_JSON.tasks[name];
  return typeof task === "string" ? task : task?.command;
}

/** Permission flags in a piece of text, sorted. */
function flagsIn(text: string): string[] {
  return [...text.matchAll(/--allow-[a-z]+(?:=[^\s`|,]+(?:,[^\s`|,]+)*)?/g)].map((m) => m[0])
    .sort();
}

/** The body of the README section with this heading. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  assertOk(start >= 0, `README has no section '${heading}'`);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The `cli.ts <command>` rows of the command reference: command name and flags cell. */
function commandRows(): Array<{ command: string; flags: string[] }> {
  const rows: Array<{ command: string; flags: string[] }> = [];
  for (const line of section("Command reference").split("\n")) {
    const m = line.match(/^\| `cli\.ts ([a-z]+)[^|]*(?:\\\|[^|]*)*\|[^|]*\|\s*(.*?)\s*\|$/);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      rows.push({ command: m[1], flags: flagsIn(m[2]) });
    }
  }
  return rows;
}

Deno.test("README names only deno tasks that exist", () => {
  const named = new Set([...README.matchAll(/deno task ([a-z][a-z:-]*)/g)].map((m) => m[1]!));
  assertOk(named.has("demo") && named.has("ok"), "the README names the demo and ok tasks");
  for (const name of named) {
    assertOk(
      taskCommand(name) !== undefined,
      `README names 'deno task ${name}', deno.json has none`,
    );
  }
});

Deno.test("README command reference gives each command's documented permission flags", async (t) => {
  const rows = commandRows();
  assertEquals(
    rows.map((r) => r.command).sort(),
    [
      "cache",
      "collect",
      "comment",
      "convert",
      "merge",
      "plan",
      "run",
      "site",
      "summary",
      "validate",
      "workflow",
    ],
  );
  for (const row of rows) {
    await t.step(row.command, async () => {
      const help = await runCliProcess([row.command, "--help"]);
      assertEquals(help.code, 0);
      const permissions = help.stdout.slice(help.stdout.indexOf("Permissions:"));
      assertStringIncludes(help.stdout, "Permissions:");
      // The "Permissions:" line, and the lines after it that hold nothing but more flags.
      const [first = "", ...rest] = permissions.split("\n");
      const more = rest.slice(0, rest.findIndex((l) => !/^\s*(--allow-\S+\s*)+$/.test(l)));
      const documented = flagsIn([first, ...more].join(" ").replace(/\(no [^)]*\)/g, ""));
      // --help may show scoped values as <placeholders>; compare flag names and literal values.
      assertEquals(row.flags, documented, `flags of '${row.command}' in README vs --help`);
      const task = taskCommand(row.command);
      assertOk(task !== undefined, `deno.json has a '${row.command}' task`);
      const granted = flagsIn(task).map((f) => f.replace(/=.*/, ""));
      assertEquals(granted, row.flags.map((f) => f.replace(/=.*/, "")).sort());
    });
  }
});

Deno.test("README 'Run it on your own pipeline' commands work as written", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "notebooks"));
  await Deno.writeTextFile(
    join(dir.path, "pipeline.yaml"),
    [
      "name: readme-pipeline",
      "parameters: { greeting: hello }",
      "tasks:",
      "  hello: { notebook: notebooks/hello.py, timeout: 2m }",
      "  shout: { notebook: notebooks/shout.py, needs: [hello] }",
      "",
    ].join("\n"),
  );
  const header =
    "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n#     name: python3\n# ---\n\n";
  await Deno.writeTextFile(
    join(dir.path, "notebooks", "hello.py"),
    `${header}# %% tags=["parameters"]\ngreeting = "hi"\n\n# %%\nimport pynb_dag_runner as pdr\npdr.log_value("greeting", greeting)\n`,
  );
  await Deno.writeTextFile(
    join(dir.path, "notebooks", "shout.py"),
    `${header}# %%\nimport pynb_dag_runner as pdr\n[up] = pdr.upstream("hello")\npdr.log_value("shout", up.values["greeting"].upper())\n`,
  );
  const block = section("Run it on your own pipeline").match(/```sh\n([\s\S]*?)```/)?.[1];
  assertOk(block !== undefined, "the section has a sh block");
  const lines = block.trim().split("\n");
  assertEquals(lines.length, 4);
  const outputs: string[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    assertEquals(words.slice(0, 2), ["deno", "run"]);
    const at = words.indexOf("cli.ts");
    const res = await runCliProcess(words.slice(at + 1), {
      flags: words.slice(2, at),
      cwd: dir.path,
    });
    assertEquals(res.code, 0, `'${line}' failed:\n${res.stderr}`);
    outputs.push(res.stdout);
  }
  assertMatch(outputs[0]!, /2 tasks/);
  assertMatch(outputs[1]!, /n0\["hello"\][\s\S]*n1\["shout"\][\s\S]*n0 --> n1/);
  const runFolder = outputs[2]!.trim().split("\n").at(-1)!;
  const summary = JSON.parse(await Deno.readTextFile(join(dir.path, runFolder, "run.json")));
  assertEquals(summary.status, "succeeded");
  assertEquals(
    summary.tasks.map((t: { id: string; values: Record<string, unknown> }) => [t.id, t.values]),
    [["hello", { greeting: "hello" }], ["shout", { shout: "HELLO" }]],
  );
  const index = await Deno.readTextFile(join(dir.path, "_site", "index.html"));
  assertStringIncludes(index, "readme-pipeline");
});
