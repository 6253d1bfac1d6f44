/**
 * `cli.ts` run from a URL, the way a CI step runs it from a raw file host: the repository is
 * served over loopback as `text/plain`, and `validate` needs nothing but `--allow-read`.
 */
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, serveRepository, tempDir } from "./_helpers.ts";

Deno.test("cli.ts validate works when run from a URL with --allow-read only", async (t) => {
  const requested = new Set<string>();
  await using server = serveRepository(requested);
  await using cwd = await tempDir();
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const pipeline = `${ROOT}/tests/fixtures/pipelines/good/pipeline.yaml`;
  // --reload only for the served files: npm packages come from the shared cache.
  const flags = [`--reload=${origin}`, "--no-config", "--no-lock"];

  await t.step("a valid pipeline prints its summary", async () => {
    const res = await runCliProcess(["validate", pipeline], {
      flags: [...flags, "--allow-read"],
      entry: `${origin}/cli.ts`,
      cwd: cwd.path,
    });
    assertEquals(res.stderr, "");
    assertEquals(res.code, 0);
    assertEquals(
      res.stdout,
      `OK ${pipeline}: pipeline fixture-good, 6 tasks, 10 instances in 5 layers\n`,
    );
    for (const path of ["/cli.ts", "/lib/cli/main.ts", "/lib/spec/load.ts", "/deps.ts"]) {
      assertOk(requested.has(path), `${path} was not fetched from the server`);
    }
  });

  await t.step("a local pipeline.ts is imported by the remote cli.ts", async () => {
    const ts = `${ROOT}/tests/fixtures/pipelines/good/pipeline.ts`;
    const res = await runCliProcess(["validate", ts], {
      flags: [...flags, "--allow-read"],
      entry: `${origin}/cli.ts`,
      cwd: cwd.path,
    });
    assertEquals(res.code, 0, res.stderr);
    assertEquals(res.stdout, `OK ${ts}: pipeline fixture-ts, 5 tasks, 5 instances in 3 layers\n`);
  });

  await t.step("a bad pipeline exits 2 with its positioned message", async () => {
    const res = await runCliProcess(
      ["validate", `${ROOT}/tests/fixtures/pipelines/bad/cycle_2.yaml`],
      { flags: [...flags, "--allow-read"], entry: `${origin}/cli.ts`, cwd: cwd.path },
    );
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(
      res.stderr,
      "cycle_2.yaml:4:50: the needs of tasks form a cycle: a -> b -> a",
    );
  });

  await t.step("without --allow-read it fails cleanly and names the flag", async () => {
    const res = await runCliProcess(["validate", pipeline], {
      flags,
      entry: `${origin}/cli.ts`,
      cwd: cwd.path,
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "--allow-read");
    assertEquals(res.stderr.includes("    at "), false, res.stderr);
  });
});
