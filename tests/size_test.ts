import { join } from "node:path";
import { assertEquals } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";

/** Longest file of `lib/`, in lines. */
const MAX_FILE_LINES = 400;
/** Longest function, in lines, unless a comment right above it says why it is not split. */
const MAX_FUNCTION_LINES = 80;
/** The words of such a comment: `// Longer than 80 lines: <why>`. */
const EXCUSE = /longer than 80 lines/i;

/**
 * Files and functions over the limits when the check was introduced, each to be split where it is
 * (the owner of the file removes its line here with the split). The test fails on any other, and
 * on a line here that is within the limits again, so this list only shrinks.
 */
const KNOWN: readonly string[] = [];

const FUNCTIONS: Deno.lint.Plugin = {
  name: "size",
  rules: {
    functions: {
      create(ctx) {
        const report = (node: Deno.lint.Node, name: string) => ctx.report({ node, message: name });
        const key = (k: Deno.lint.MethodDefinition["key"]) =>
          k.type === "Identifier" || k.type === "PrivateIdentifier" ? k.name : "(computed)";
        return {
          FunctionDeclaration(node) {
            report(node, node.id?.name ?? "default");
          },
          MethodDefinition(node) {
            report(node, key(node.key));
          },
          VariableDeclarator(node) {
            const init = node.init;
            if (
              node.id.type === "Identifier" && init !== null &&
              (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression")
            ) report(init, node.id.name);
          },
        };
      },
    },
  },
};

/** Over-long files and functions of one source, as `path: file` and `path: function name()`. */
function oversized(path: string, source: string): string[] {
  const lines = source.split("\n");
  const out: string[] = [];
  // A final newline ends the last line; it does not start another.
  const count = lines.length - (source.endsWith("\n") ? 1 : 0);
  if (count > MAX_FILE_LINES) out.push(`${path}: file`);
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  for (const d of Deno.lint.runPlugin(FUNCTIONS, path, source)) {
    const first = lineOf(d.range[0]);
    const length = lineOf(d.range[1]) - first + 1;
    const above = lines.slice(Math.max(0, first - 4), first - 1).join("\n");
    if (length > MAX_FUNCTION_LINES && !EXCUSE.test(above)) {
      out.push(`${path}: function ${d.message}()`);
    }
  }
  return out;
}

async function libSources(dir = "lib"): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await libSources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) out.push(path);
  }
  return out.sort();
}

Deno.test(`lib/ files stay within ${MAX_FILE_LINES} lines and functions within ${MAX_FUNCTION_LINES}`, async () => {
  const found: string[] = [];
  for (const file of await libSources()) {
    found.push(...oversized(file, await Deno.readTextFile(join(ROOT, file))));
  }
  const fresh = found.filter((line) => !KNOWN.includes(line));
  const fixed = KNOWN.filter((line) => !found.includes(line));
  assertEquals(
    { fresh, fixed },
    { fresh: [], fixed: [] },
    (fresh.length ? `Split these, or say why not in a comment above the function:\n` : "") +
      fresh.join("\n") +
      (fixed.length
        ? `\nWithin the limits now, so remove them from KNOWN:\n${fixed.join("\n")}`
        : ""),
  );
});

Deno.test("oversized() finds long files and functions, and accepts a reason not to split", () => {
  const body = (n: number) =>
    Array.from({ length: n }, (_, i) => `  const x${i} = ${i};`).join("\n");
  const source = [
    `export function long(): void {\n${body(80)}\n}`,
    `const arrow = (): void => {\n${body(78)}\n};`,
    `// Longer than 80 lines: one table, read top to bottom.\nfunction table(): void {\n${
      body(90)
    }\n}`,
    `class C {\n  method(): void {\n${body(85)}\n  }\n}`,
    ...Array.from({ length: 60 }, (_, i) => `// filler ${i}`),
  ].join("\n");
  assertEquals(oversized("lib/x/a.ts", source), [
    "lib/x/a.ts: file",
    "lib/x/a.ts: function long()",
    "lib/x/a.ts: function method()",
  ]);
});
