import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { escapeMarkdown, fence, ganttName, mermaidLabel, stripAnsi, truncate } from "./markdown.ts";

Deno.test("stripAnsi() removes colours, OSC links and control characters but keeps lines", () => {
  const text = "\x1b[1;31mError\x1b[0m\n\x1b]8;;https://x\x07link\x1b]8;;\x07\tend\x07";
  assertEquals(stripAnsi(text), "Error\nlink\tend");
});

Deno.test("escapeMarkdown() leaves no live Markdown, HTML, mention or link", async (t) => {
  const cases: [string, string][] = [
    ["<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"],
    ["[x](javascript:alert(1))", "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"],
    ["@octocat", "&#64;octocat"],
    ["a | b", "a \\| b"],
    ["line\nbreak", "line break"],
    ["https://evil.example", "https\\://evil\\.example"],
    ["**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"],
  ];
  for (const [input, expected] of cases) {
    await t.step(JSON.stringify(input), () => assertEquals(escapeMarkdown(input), expected));
  }
});

Deno.test("fence() cannot be closed by the text inside it", () => {
  const out = fence("a\n`````\nb\n", "text");
  assertEquals(out, "``````text\na\n`````\nb\n``````\n");
  assertEquals(fence("plain"), "```\nplain\n```\n");
});

Deno.test("mermaidLabel() and ganttName() keep Mermaid syntax out of labels", () => {
  const hostile = 'x"]; click A "javascript:alert(1)"; %%';
  const label = mermaidLabel(hostile);
  assertOk(!/["\];%]/.test(label.replace(/#\w+;/g, "")), label);
  assertEquals(mermaidLabel("a<b>"), "a#60;b#62;");
  const name = ganttName("t: x; #y");
  assertOk(!/[:;#]/.test(name), name);
  assertEquals(ganttName("train[n=1]"), "train[n=1]");
  assertEquals(ganttName("section"), "_section");
  assertEquals(ganttName("title x"), "_title x");
  assertEquals(ganttName("sections"), "sections");
});

Deno.test("truncate() keeps short text and marks a cut", () => {
  assertEquals(truncate("abc", 3), "abc");
  assertEquals(truncate("abcd", 3), "ab…");
});
