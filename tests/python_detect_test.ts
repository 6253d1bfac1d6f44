/**
 * detectPython(): finds an interpreter with nbclient and ipykernel, and explains clearly when the
 * chosen one lacks them.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
  assertStringIncludes,
} from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { detectPython, PythonNotFoundError } from "../lib/execute/python.ts";
import { UserError } from "../lib/errors.ts";

/** A real interpreter that cannot import nbclient: the detected one, without site-packages. */
async function pythonWithoutNbclient(dir: string): Promise<string> {
  const real = (await detectPython()).path;
  const path = join(dir, "python3");
  await Deno.writeTextFile(path, `#!/bin/sh\nexec '${real}' -S "$@"\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("detectPython() finds an interpreter that imports nbclient and ipykernel", async () => {
  const python = await detectPython();
  assertMatch(python.version, /^3\.\d+\.\d+/);
  assertMatch(python.nbclient, /^\d+\.\d+/);
  assertMatch(python.ipykernel, /^\d+\.\d+/);
  assertOk(python.path.startsWith("/"), python.path);
  assertEquals(await detectPython(), python, "not cached");
  // An explicit choice that works is taken as is.
  assertEquals((await detectPython({ python: python.path })).path, python.path);
});

Deno.test("detectPython() rejects --python without nbclient with the apt and pip commands", async () => {
  await using dir = await tempDir();
  const bare = await pythonWithoutNbclient(dir.path);
  const err = await assertRejects(() => detectPython({ python: bare }), PythonNotFoundError);
  assertOk(err instanceof UserError);
  assertStringIncludes(
    err.message,
    `Cannot use the Python interpreter '${bare}' given by --python`,
  );
  assertStringIncludes(err.message, "cannot import nbclient and ipykernel");
  assertStringIncludes(err.message, "apt-get install python3-nbclient python3-ipykernel");
  assertStringIncludes(err.message, "pip install nbclient ipykernel");
  assertEquals(err.tried.map((t) => t.path), [bare]);

  const missing = join(dir.path, "no-such-python");
  const err2 = await assertRejects(() => detectPython({ python: missing }), PythonNotFoundError);
  assertStringIncludes(err2.message, `'${missing}' given by --python: it cannot be started`);

  // In a process of its own: PYNB_PYTHON set in this one would reach the processes that tests
  // running alongside start meanwhile.
  const module = pathToFileURL(join(ROOT, "lib/execute/python.ts")).href;
  const code = `import { detectPython, PythonNotFoundError } from ${JSON.stringify(module)};\n` +
    `try { await detectPython(); console.log("found"); }\n` +
    `catch (e) { console.log(e instanceof PythonNotFoundError, e.message); }`;
  const probe = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: ROOT,
    env: { PYNB_PYTHON: bare },
    stderr: "inherit",
  }).output();
  const said = new TextDecoder().decode(probe.stdout);
  assertOk(said.startsWith("true "), said);
  assertStringIncludes(said, `'${bare}' given by the PYNB_PYTHON environment variable`);
});

/**
 * Runs `detectPython({ python })` in a fresh process (the per-process cache left out) with
 * XDG_CACHE_HOME at `cache`; returns the path it found.
 */
async function detectInProcess(python: string, cache: string): Promise<string> {
  const module = new URL("../lib/execute/python.ts", import.meta.url).href;
  const code = `const { detectPython } = await import(${JSON.stringify(module)});\n` +
    `console.log((await detectPython({ python: ${JSON.stringify(python)} })).path);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { XDG_CACHE_HOME: cache },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertOk(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("detectPython() is not paid again while the interpreter and its packages are unchanged", async () => {
  await using dir = await tempDir();
  const real = (await detectPython()).path;
  // An interpreter that counts its starts: the probe is one start.
  const counter = join(dir.path, "starts");
  const python = join(dir.path, "python3");
  await Deno.writeTextFile(python, `#!/bin/sh\necho x >> '${counter}'\nexec '${real}' "$@"\n`);
  await Deno.chmod(python, 0o755);
  const starts = async () => (await Deno.readTextFile(counter)).trim().split("\n").length;
  const tmp = join(dir.path, "tmp");
  await Deno.mkdir(tmp);

  assertEquals(await detectInProcess(python, tmp), python);
  assertEquals(await starts(), 1);
  assertEquals(await detectInProcess(python, tmp), python, "found from the cache");
  assertEquals(await starts(), 1, "the second run probed again");

  // A changed interpreter is probed again.
  await Deno.utime(python, new Date(), new Date(Date.now() + 5000));
  assertEquals(await detectInProcess(python, tmp), python);
  assertEquals(await starts(), 2);

  // A cache folder that others may write is not trusted.
  const folder = join(tmp, "pynb-dag-runner");
  assertOk((await Deno.stat(join(folder, "python.json"))).isFile);
  await Deno.chmod(folder, 0o777);
  assertEquals(await detectInProcess(python, tmp), python);
  assertEquals(await starts(), 3);
});
