/**
 * `log_artifact` never leaves a link in a run folder (a run folder is published as it is): a
 * linked file is resolved and its bytes copied, and an artifact folder that is a link out of the
 * attempt's artifacts is refused. Plain Python process, no kernel needed.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";

async function python(code: string, cwd: string, attemptDir: string) {
  const out = await new Deno.Command(Deno.env.get("PYTHON") ?? "python3", {
    args: ["-c", code],
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      PYTHONPATH: join(ROOT, "lib", "execute", "python"),
      PYTHONDONTWRITEBYTECODE: "1",
      PYNB_ATTEMPT_DIR: attemptDir,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("log_artifact() of a link stores the bytes, never the link", async (t) => {
  await using dir = await tempDir("pynb-artifact-link-");
  const attempt = join(dir.path, "attempt-1");
  await Deno.mkdir(join(attempt, "artifacts"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "real.txt"), "the bytes");
  await Deno.symlink(join(dir.path, "real.txt"), join(dir.path, "link.txt"));
  await Deno.mkdir(join(dir.path, "elsewhere"));
  await Deno.symlink(join(dir.path, "elsewhere"), join(attempt, "artifacts", "out"));

  await t.step("a linked file is copied", async () => {
    const res = await python(
      "import pathlib, pynb_dag_runner as p; p.log_artifact('a.txt', pathlib.Path('link.txt'))",
      dir.path,
      attempt,
    );
    assertEquals(res.code, 0, res.stderr);
    const info = await Deno.lstat(join(attempt, "artifacts", "a.txt"));
    assertEquals([info.isFile, info.isSymlink], [true, false]);
    assertEquals(await Deno.readTextFile(join(attempt, "artifacts", "a.txt")), "the bytes");
  });
  await t.step("an artifact folder linked out of the attempt is refused", async () => {
    const res = await python(
      "import pynb_dag_runner as p; p.log_artifact('out/x.txt', b'x')",
      dir.path,
      attempt,
    );
    assertEquals(res.code, 1);
    assertStringIncludes(res.stderr, "InvalidNameError");
    assertStringIncludes(res.stderr, "its folder is a link out of the artifacts folder");
    assertEquals([...Deno.readDirSync(join(dir.path, "elsewhere"))], []);
  });
});
