import { join } from "node:path";
import { assertEquals } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";

interface GraphModule {
  specifier: string;
  kind?: string;
  npmPackage?: string;
  dependencies?: { specifier: string; isDynamic?: boolean; code?: { specifier: string } }[];
}

/**
 * The npm packages a module loads through its static imports (type-only imports and dynamic
 * imports left out), and the dynamic imports of the module itself.
 */
async function graphOf(file: string): Promise<{ packages: string[]; dynamic: string[] }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(ROOT, file)],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    roots: string[];
    modules: GraphModule[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    const resolved = info.redirects[specifier] ?? specifier;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    const m = bySpecifier.get(resolved);
    // "@opentelemetry/sdk-trace@3.1.1_@opentelemetry+api@1.10.0" -> "@opentelemetry/sdk-trace"
    if (m?.kind === "npm" && m.npmPackage) packages.add(m.npmPackage.replace(/(.)@.*$/, "$1"));
    for (const d of m?.dependencies ?? []) {
      if (!d.isDynamic && d.code !== undefined) visit(d.code.specifier);
    }
  };
  visit(info.roots[0]!);
  const root = bySpecifier.get(info.roots[0]!);
  const dynamic = (root?.dependencies ?? []).filter((d) => d.isDynamic).map((d) => d.specifier);
  return { packages: [...packages].sort(), dynamic: dynamic.sort() };
}

Deno.test("cli.ts loads each sub-command's packages only when that command runs", async (t) => {
  await t.step("the entry point itself loads commander alone", async () => {
    const { packages } = await graphOf("cli.ts");
    assertEquals(packages, ["commander"]);
  });
  await t.step("every sub-command is a dynamic import of its own module", async () => {
    const { dynamic } = await graphOf("lib/cli/main.ts");
    assertEquals(dynamic, [
      "./cache.ts",
      "./collect.ts",
      "./comment.ts",
      "./convert.ts",
      "./merge.ts",
      "./plan.ts",
      "./run.ts",
      "./site.ts",
      "./summary.ts",
      "./validate.ts",
      "./workflow.ts",
    ]);
  });
  for (const command of ["validate", "plan"]) {
    await t.step(`${command} loads no OpenTelemetry, Eta, marked or GitHub client`, async () => {
      const { packages } = await graphOf(`lib/cli/${command}.ts`);
      assertEquals(packages, ["commander", "yaml", "zod"]);
    });
  }
  await t.step("run starts Python before it loads OpenTelemetry and the rest", async () => {
    const { packages, dynamic } = await graphOf("lib/cli/run.ts");
    assertEquals(packages, ["commander", "yaml", "zod"]);
    assertEquals(dynamic, ["../run/run_pipeline.ts"]);
  });
});
