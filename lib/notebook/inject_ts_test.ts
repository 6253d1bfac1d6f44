import { assertEquals, assertStringIncludes, assertThrows } from "../../tests/_deps.ts";
import type { JsonValue } from "../_base/json.ts";
import { ParameterNameError } from "./errors.ts";
import { injectParameters } from "./inject.ts";
import { parsePercentTs } from "./percent_ts.ts";

const CONTEXT = { runId: "r1", taskId: "t", instanceId: "t[n=1]", attempt: 1 };
const SCRIPT = '// %% tags=["parameters"]\nlet n = 1;\nconst label: string = "a";\n\n// %%\nn\n';

/** Runs TypeScript in a real Deno process and returns what it printed. */
async function runDeno(code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("injectParameters() gives a TypeScript notebook its values, with its defaults' keywords", async () => {
  const parameters: Record<string, JsonValue> = {
    n: 600,
    label: 'a "b" ${x} `y` \\ \u2028 </script>',
    // JSON.parse makes "__proto__" an own key, as a pipeline file's parser does.
    extra: JSON.parse('{"__proto__": [1, -0, null], "list": [true, 1.5e300]}'),
  };
  const hostile = { nan: NaN, inf: -Infinity };
  const { notebook, warnings } = injectParameters(
    parsePercentTs(SCRIPT),
    { ...parameters, ...hostile },
    CONTEXT,
  );
  assertEquals(warnings, []);
  const injected = notebook.cells[1]!.source;
  assertStringIncludes(injected, "let n = 600;\n");
  assertStringIncludes(injected, "const label = ");
  assertStringIncludes(injected, "let extra = ");
  const code = injected.replace(/^(let|const) /gm, "var ") +
    "\nconsole.log(JSON.stringify({ n, label, extra, own: Object.keys(extra), P," +
    " nan: Number.isNaN(nan), inf, negZero: Object.is(extra['__proto__'][1], -0) }));";
  const got = JSON.parse(await runDeno(code));
  assertEquals(got.n, 600);
  assertEquals(got.label, parameters.label);
  assertEquals(got.own, ["__proto__", "list"], "__proto__ is an own key, not the prototype");
  assertEquals([got.nan, got.inf, got.negZero], [true, null, true]);
  assertEquals(got.P["run.id"], "r1");
  assertEquals(got.P["task.instance"], "t[n=1]");
});

Deno.test("injectParameters() refuses names TypeScript cannot take", () => {
  for (const name of ["new", "class", "a-b", "P"]) {
    assertThrows(
      () => injectParameters(parsePercentTs(SCRIPT), { [name]: 1 }, CONTEXT),
      ParameterNameError,
    );
  }
});
