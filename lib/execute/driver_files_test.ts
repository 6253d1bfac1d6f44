import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertOk, assertRejects } from "../../tests/_deps.ts";
import { driverFiles, DriverFilesError } from "./driver_files.ts";

Deno.test("driverFiles() downloads the Python files when loaded from an http URL", async () => {
  const root = fileURLToPath(new URL("./", import.meta.url));
  let requests = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      requests++;
      const path = new URL(req.url).pathname.replace(/^\/lib\/execute\//, "");
      if (path.includes("..")) return new Response("no", { status: 400 });
      try {
        return new Response(await Deno.readFile(root + path));
      } catch {
        return new Response("missing", { status: 404 });
      }
    },
  );
  const base = new URL(`http://127.0.0.1:${server.addr.port}/lib/execute/`);
  const files = await driverFiles(base);
  assertEquals(
    await Deno.readTextFile(files.driver),
    await Deno.readTextFile(root + "driver.py"),
  );
  assertEquals(
    await Deno.readTextFile(`${files.moduleDir}/pynb_dag_runner.py`),
    await Deno.readTextFile(root + "python/pynb_dag_runner.py"),
  );
  for (
    const name of [
      "driver_run.py",
      "fork_kernel.py",
      "kernel_child.py",
      "kernel_quirks.py",
      "reaper.py",
      "zygote.py",
      "zygote_client.py",
    ]
  ) {
    assertEquals(
      await Deno.readTextFile(join(dirname(files.driver), name)),
      await Deno.readTextFile(root + name),
      `${name}, which the driver imports from its folder`,
    );
  }
  const compat = "pynb_dag_runner_compat/tasks/task_opentelemetry_logging.py";
  assertEquals(
    await Deno.readTextFile(`${files.moduleDir}/${compat}`),
    await Deno.readTextFile(root + "python/" + compat),
    "the original pynb-dag-runner's logger, a sub-package of the module",
  );
  assertOk(!files.driver.startsWith(root), "not a temporary copy");
  assertEquals(await driverFiles(base), files);
  assertEquals(requests, 11, "downloaded more than once");

  const missing = new URL(`http://127.0.0.1:${server.addr.port}/nowhere/`);
  await assertRejects(() => driverFiles(missing), DriverFilesError, "HTTP 404");
});

Deno.test("driverFiles() reads the files in place from a file URL", async () => {
  const files = await driverFiles();
  assertOk(files.driver.endsWith("/lib/execute/driver.py"));
  assertOk((await Deno.stat(`${files.moduleDir}/pynb_dag_runner.py`)).isFile);
});
