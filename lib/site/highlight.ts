/**
 * Syntax highlighting of notebook code cells (Python, and TypeScript for Deno's kernel) into
 * escaped HTML with `hljs-*` classes.
 *
 * @module
 */
import { hljs, hljsPython, hljsTypeScript } from "../../deps/site.ts";
import { escapeHtml } from "./_html.ts";

hljs.registerLanguage("python", hljsPython);
hljs.registerLanguage("typescript", hljsTypeScript);

/** The languages whose code cells the site highlights. */
export type CodeLanguage = "python" | "typescript";

/**
 * Highlights source code of a notebook's language.
 *
 * @param code Source code.
 * @param language The notebook's language.
 * @default "python"
 * @returns Escaped HTML with `hljs-*` classes.
 *
 * @example Highlighting
 * ```ts
 * import { highlightCode } from "./highlight.ts";
 * console.assert(highlightCode("def f(): pass").includes("hljs-keyword"));
 * console.assert(highlightCode("const x: number = 1;", "typescript").includes("hljs-keyword"));
 * ```
 */
export function highlightCode(code: string, language: CodeLanguage = "python"): string {
  try {
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(code);
  }
}
