import { join } from "node:path";
import { assertEquals, assertOk as assert, assertThrows } from "../../tests/_deps.ts";
import { hostileStrings } from "../../testing/hostile.ts";
import { plannedInstance } from "../../testing/instances.ts";
import { UserError } from "../errors.ts";
import { jobScript, sbatchArgs } from "./job_script.ts";

Deno.test("jobScript() passes hostile ids, paths and parameters as exact arguments, never as lines", async () => {
  await using dir = await tempDir();
  // A stand-in for deno that prints the arguments it was given, one per NUL.
  const echo = join(dir.path, "echo-args");
  await Deno.writeTextFile(echo, '#!/bin/bash\nprintf "%s\\0" "$@"\n', { mode: 0o755 });
  for (const [n, text] of hostileStrings(21, 120).entries()) {
    const cwd = join(dir.path, `w${n}`);
    await Deno.mkdir(cwd);
    const inst = plannedInstance(`train[x=${text}]`, { task: "train", slug: `train_${n}` });
    const common = {
      runId: `r${n}`,
      cwd,
      pipeline: `p ${text}.yaml`,
      deno: echo,
      cli: "cli.ts",
      python: text,
      params: { note: text },
    };
    const script = jobScript(inst, common, { out: `${text}/out`, upstream: [`up/${text}`] });
    const lines = script.split("\n");
    assertEquals(lines.length, 5, JSON.stringify(script));
    assert(lines.every((l) => /^[\x20-\x7e]*$/.test(l)), JSON.stringify(script));
    assert(!lines.slice(1).some((l) => /^\s*#SBATCH/.test(l)), JSON.stringify(script));
    const file = join(dir.path, `job${n}.sh`);
    await Deno.writeTextFile(file, script);
    assertEquals((await run("bash", ["-n", file])).code, 0);
    const res = await run("bash", [file]);
    assertEquals(res.code, 0, res.err);
    assertEquals(res.out.split("\0").slice(0, -1), [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "cli.ts",
      "run",
      common.pipeline,
      "--only",
      inst.id,
      "--run-id",
      common.runId,
      "--out",
      `${text}/out`,
      "--python",
      text,
      "--param",
      `note=${JSON.stringify(text)}`,
      "--upstream",
      `up/${text}`,
    ]);
  }
});

Deno.test("sbatchArgs() refuses what could change an option's meaning", () => {
  const inst = plannedInstance("a");
  const common = { runId: "r", cwd: "/w", pipeline: "p", deno: "d", cli: "c", params: {} };
  const job = { output: "/s/a.out", after: ["12"] };
  assert(sbatchArgs(inst, common, job).includes("--dependency=afterok:12"));
  assertThrows(() => sbatchArgs(inst, common, { ...job, after: ["12,afterany:1"] }), RangeError);
  assertThrows(() => sbatchArgs(plannedInstance("a", { slug: "a\nb" }), common, job), RangeError);
  assertThrows(() => sbatchArgs(inst, common, { ...job, output: "/s/a\n#SBATCH x" }), RangeError);
  for (const partition of ["a b", "x\n#SBATCH --uid=0", "$(id)", ""]) {
    assertThrows(() => sbatchArgs(inst, { ...common, partition }, job), UserError);
  }
});

async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const res = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir();
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
