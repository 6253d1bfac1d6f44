import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { ansiToHtml, renderMarkdown, renderNotebook } from "./notebook.ts";

const nb = (cells: unknown[]) => JSON.stringify({ cells, metadata: {}, nbformat: 4 });

Deno.test("renderMarkdown() keeps formatting and drops scripts, handlers and js links", () => {
  const html = renderMarkdown(
    "# T\n\n*em* `code` [a](javascript:alert(1))\n\n<script>x()</script><img src=x onerror=y()>" +
      " <b onclick=z()>b</b> <style>body{}</style>",
  );
  assertStringIncludes(html, "<h1>T</h1>");
  assertStringIncludes(html, "<em>em</em>");
  assertStringIncludes(html, "<a ");
  for (const bad of ["<script", "onerror", "onclick", 'href="javascript', "<style", 'src="x"']) {
    assertEquals(html.includes(bad), false, `${bad} in ${html}`);
  }
});

Deno.test("renderMarkdown() keeps inline raster images only", () => {
  const ok = renderMarkdown("![p](data:image/png;base64,iVBORw0KGgo=)");
  assertStringIncludes(ok, 'src="data:image/png;base64,iVBORw0KGgo="');
  const svg = renderMarkdown("![s](data:image/svg+xml;base64,PHN2Zz4=)");
  assertEquals(svg.includes("svg+xml"), false);
});

Deno.test("ansiToHtml() escapes text and uses classes, never inline styles", () => {
  const html = ansiToHtml("\u001b[38;5;241m<b>\u001b[39m \u001b[1;31mE\u001b[0m");
  assertStringIncludes(html, "&lt;b&gt;");
  assertEquals(html.includes("style="), false);
  assertMatch(html, /class="[^"]*ansi-bold[^"]*ansi-red-fg|class="ansi-red-fg ansi-bold"/);
});

Deno.test("renderNotebook() renders each output kind safely", async (t) => {
  const html = renderNotebook(nb([{
    cell_type: "code",
    execution_count: 1,
    source: ["x = 1\n", "x"],
    outputs: [
      { output_type: "stream", name: "stdout", text: "<i>out</i>\n" },
      { output_type: "execute_result", data: { "text/plain": "1" }, metadata: {} },
      { output_type: "display_data", data: { "text/html": "<b>t</b><script>s()</script>" } },
      { output_type: "display_data", data: { "image/svg+xml": "<svg onload='s()'/>" } },
      { output_type: "display_data", data: { "image/png": "not base64!" } },
      { output_type: "error", ename: "E", evalue: "v", traceback: ["\u001b[31mE\u001b[0m: v"] },
    ],
  }])).html;
  await t.step("code is highlighted and text escaped", () => {
    assertStringIncludes(html, '<span class="hljs-number">1</span>');
    assertStringIncludes(html, "&lt;i&gt;out&lt;/i&gt;");
  });
  await t.step("HTML goes into a sandboxed frame without scripts", () => {
    assertMatch(
      html,
      /<iframe class="nb-html" sandbox title="HTML output" height="\d+" srcdoc="&lt;b&gt;t/,
    );
    assertEquals(html.includes("allow-scripts"), false);
  });
  await t.step("SVG becomes an <img>, bad base64 is refused", () => {
    assertMatch(html, /<img class="nb-img" alt="SVG output" src="data:image\/svg\+xml;base64,/);
    assertStringIncludes(html, "(invalid image/png output)");
    assertEquals(html.includes("not base64"), false);
  });
  await t.step("the traceback keeps its colours", () => {
    assertStringIncludes(html, '<pre class="nb-error"><span class="ansi-red-fg">E</span>: v</pre>');
  });
});

Deno.test("renderNotebook() highlights code in the notebook's language", () => {
  const code = "def f(x: int) -> int:\n    return x\nconst y: number = 1;\ninterface Z {}";
  const cell = { cell_type: "code", source: code, outputs: [] };
  const deno = JSON.stringify({
    cells: [cell],
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
  });
  const keywords = (html: string) =>
    [...html.matchAll(/<span class="hljs-keyword">(\w+)<\/span>/g)].map((m) => m[1]);
  const ts = keywords(renderNotebook(deno).html);
  assertOk(ts.includes("const") && ts.includes("interface"), ts.join(" "));
  assertEquals(ts.includes("def"), false);
  const py = keywords(renderNotebook(nb([cell])).html);
  assertOk(py.includes("def") && py.includes("return"), py.join(" "));
  assertEquals(py.includes("interface"), false);
});

Deno.test("renderNotebook() rejects text that is not a notebook", () => {
  let err: unknown;
  try {
    renderNotebook('{"cells": 3}');
  } catch (e) {
    err = e;
  }
  assertOk(err instanceof Error);
});

Deno.test("renderNotebook() renders a 200-cell notebook (timing is in bench/)", () => {
  const cells = Array.from(
    { length: 200 },
    (_, i) =>
      i % 2 ? { cell_type: "markdown", source: `## Step ${i}\n\nSome *text*.` } : {
        cell_type: "code",
        execution_count: i,
        source: `for i in range(${i}):\n    print(i)`,
        outputs: [{ output_type: "stream", name: "stdout", text: `${i}\n` }],
      },
  );
  const { cells: n, html } = renderNotebook(nb(cells));
  assertEquals(n, 200);
  assertStringIncludes(html, "<h2>Step 199</h2>");
});
