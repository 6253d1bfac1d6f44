/**
 * Escaping for GitHub-flavoured Markdown and Mermaid. Task names, values and tracebacks come from
 * people's notebooks: everything placed in the step summary goes through these helpers first.
 *
 * @module
 */

// Colour and cursor sequences (CSI), OSC sequences (terminal titles, links) and lone escapes.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Removes ANSI escape sequences and other control characters (keeps newlines and tabs).
 *
 * @param text Terminal output, for example a Jupyter traceback line.
 * @returns The plain text.
 *
 * @example Stripping colours from a traceback line
 * ```ts
 * import { stripAnsi } from "./markdown.ts";
 * console.assert(stripAnsi("\x1b[0;31mValueError\x1b[0m: bad") === "ValueError: bad");
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "").replace(CONTROL, "");
}

/**
 * Escapes text for inline Markdown (a paragraph or a table cell): no formatting, links, HTML or
 * column breaks survive, and line breaks become spaces.
 *
 * @param text Untrusted text.
 * @returns Text that GitHub renders literally.
 *
 * @example Escaping a task name for a table cell
 * ```ts
 * import { escapeMarkdown } from "./markdown.ts";
 * console.assert(escapeMarkdown("a|b *c*") === "a\\|b \\*c\\*");
 * ```
 */
export function escapeMarkdown(text: string): string {
  return stripAnsi(text)
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/[\\`*_{}[\]()#+\-.!|~:]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "&#64;");
}

/**
 * Wraps text in a fenced code block whose fence is longer than any backtick run inside it, so
 * the text cannot close the block early.
 *
 * @param text Untrusted text, shown verbatim (ANSI sequences are removed).
 * @param lang Info string of the fence.
 * @returns The fenced block, ending with a newline.
 *
 * @example Fencing a traceback
 * ```ts
 * import { fence } from "./markdown.ts";
 * const tick = "`";
 * console.assert(fence(`x = ${tick.repeat(3)}`, "text").startsWith(tick.repeat(4)));
 * ```
 */
export function fence(text: string, lang = ""): string {
  const clean = stripAnsi(text).replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  const longest = Math.max(2, ...Array.from(clean.matchAll(/`+/g), (m) => m[0].length));
  const bar = "`".repeat(longest + 1);
  return `${bar}${lang}\n${clean}\n${bar}\n`;
}

/**
 * Makes text safe inside a quoted Mermaid label (`id["..."]`): quotes, angle brackets and
 * other characters Mermaid parses become Mermaid entity codes (`#quot;`).
 *
 * @param text Untrusted text.
 * @returns The label text, without the surrounding quotes.
 *
 * @example A label with quotes
 * ```ts
 * import { mermaidLabel } from "./markdown.ts";
 * console.assert(mermaidLabel('say "hi"') === "say #quot;hi#quot;");
 * ```
 */
export function mermaidLabel(text: string): string {
  return stripAnsi(text)
    .replace(/\s+/g, " ")
    .replace(/[#"<>&`|{}[\]();:%]/g, (c) => `#${c.charCodeAt(0)};`)
    .replace(/#34;/g, "#quot;");
}

/**
 * Makes text safe as a Mermaid Gantt task or section name, which cannot hold entity codes,
 * colons, semicolons or hashes: anything outside a conservative set becomes `_`.
 *
 * @param text Untrusted text.
 * @returns A name Mermaid parses as plain text.
 *
 * @example A matrix instance id
 * ```ts
 * import { ganttName } from "./markdown.ts";
 * console.assert(ganttName("train[n=600]; x") === "train[n=600]_ x");
 * ```
 */
export function ganttName(text: string): string {
  const name = stripAnsi(text).replace(/\s+/g, " ").trim().replace(/[^\w .,=[\]+\-/]/g, "_")
    .slice(0, 80);
  // A line starting with a Gantt keyword (`title`, `section`, ...) would be read as that keyword.
  return GANTT_KEYWORD.test(name) || name === "" ? `_${name}` : name;
}

const GANTT_KEYWORD =
  /^(title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|weekend|click|acctitle|accdescr|inclusiveenddates|topaxis|gantt)\b/i;

/**
 * Shortens text to at most `max` characters, marking the cut with an ellipsis.
 *
 * @param text Any text.
 * @param max Maximum length.
 * @returns The text, cut if needed.
 *
 * @example Cutting a long value
 * ```ts
 * import { truncate } from "./markdown.ts";
 * console.assert(truncate("abcdef", 4) === "abc…");
 * ```
 */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
