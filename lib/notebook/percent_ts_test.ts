import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { parseIpynb, serializeIpynb } from "./ipynb.ts";
import { isTypeScriptNotebook, parsePercentTs, writePercentTs } from "./percent_ts.ts";

const WITH_HEADER = `// ---
// jupyter:
//   kernelspec:
//     display_name: Deno
//     language: typescript
//     name: deno
// ---

// %% [markdown]
// # Title
//
// Some *text*.

// %% tags=["parameters"]
const n = 1;
let label = "x";

// %%
// a comment
// // %% an escaped marker line
class A { #x = 1; }


// %% Title of a cell
console.log(n)
`;

Deno.test("parsePercentTs() reads cells, tags, markdown and the kernelspec header", () => {
  const nb = parsePercentTs(WITH_HEADER);
  assertEquals(nb.cells.map((c) => [c.cell_type, c.metadata, c.source]), [
    ["markdown", {}, "# Title\n\nSome *text*."],
    ["code", { tags: ["parameters"] }, 'const n = 1;\nlet label = "x";'],
    [
      "code",
      { lines_to_next_cell: 2 },
      "// a comment\n// %% an escaped marker line\nclass A { #x = 1; }",
    ],
    ["code", { title: "Title of a cell" }, "console.log(n)"],
  ]);
  assertEquals(nb.metadata.kernelspec, {
    display_name: "Deno",
    language: "typescript",
    name: "deno",
  });
  assertOk(isTypeScriptNotebook(nb));
});

Deno.test("writePercentTs() gives back the same bytes, also through .ipynb", async (t) => {
  const texts = {
    "a header, markdown, escapes, spacing": WITH_HEADER,
    "no header": '// %% tags=["parameters"]\nlet n = 1;\n\n// %%\nconsole.log(n);\n',
    "an empty code cell and a raw cell": "// %%\n\n// %% [raw]\n// raw text\n",
    "blank lines kept at the end": "// %%\n1\n\n\n",
  };
  for (const [name, text] of Object.entries(texts)) {
    await t.step(name, () => {
      assertEquals(writePercentTs(parsePercentTs(text)), text);
      assertEquals(writePercentTs(parseIpynb(serializeIpynb(parsePercentTs(text)))), text);
    });
  }
});

Deno.test("writePercentTs() writes a Deno .ipynb that reads back to the same cells", () => {
  const nb = parseIpynb(JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    cells: [
      { cell_type: "markdown", id: "m", metadata: {}, source: "# Hi\n\ntext" },
      {
        cell_type: "code",
        id: "c",
        metadata: { tags: ["parameters"] },
        source: "const n = 1;\n// %% looks like a marker",
        outputs: [{ output_type: "stream", name: "stdout", text: "out" }],
        execution_count: 3,
      },
    ],
  }));
  const text = writePercentTs(nb);
  assertOk(text.includes("// // %% looks like a marker\n"), text);
  assertEquals(
    parsePercentTs(text).cells.map((c) => [c.cell_type, c.metadata, c.source]),
    nb.cells.map((c) => [c.cell_type, c.metadata, c.source]),
  );
});
