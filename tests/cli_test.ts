import { assertEquals, assertMatch } from "./_deps.ts";
import { runCliProcess } from "./_helpers.ts";
import { VERSION } from "../lib/version.ts";

Deno.test("cli.ts --version prints the version and exits 0", async () => {
  const res = await runCliProcess(["--version"]);
  assertEquals(res.code, 0);
  assertEquals(res.stdout.trim(), VERSION);
});

Deno.test("cli.ts rejects an unknown flag with exit code 2 and no stack trace", async () => {
  const res = await runCliProcess(["--no-such-flag"]);
  assertEquals(res.code, 2);
  assertMatch(res.stderr, /unknown option '--no-such-flag'/);
  assertEquals(res.stderr.includes("    at "), false);
});
