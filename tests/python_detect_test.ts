/**
 * detectPython(): finds an interpreter with nbclient and ipykernel, and explains clearly when the
 * chosen one lacks them.
 */
import { join } from "node:path";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
  assertStringIncludes,
} from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
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

  Deno.env.set("PYNB_PYTHON", bare);
  try {
    const err3 = await assertRejects(() => detectPython(), PythonNotFoundError);
    assertStringIncludes(err3.message, "given by the PYNB_PYTHON environment variable");
  } finally {
    Deno.env.delete("PYNB_PYTHON");
  }
});
