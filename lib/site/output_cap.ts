/**
 * Bounds on how much of a notebook's output a page shows. A notebook that prints 50 MB must not
 * give a 50 MB page: each text output (a stream, `text/plain`, a traceback, JSON) shows its first
 * and last {@linkcode OUTPUT_HEAD_CHARS} characters, a rich output (image, HTML, SVG, markdown)
 * larger than {@linkcode MAX_RICH_OUTPUT} is left out, and once a notebook's outputs reach
 * {@linkcode MAX_NOTEBOOK_OUTPUT} the rest are left out. Each cut says how much there was and
 * links the executed notebook, which the run folder keeps whole.
 *
 * @module
 */
import { escapeHtml } from "./_html.ts";

/** Characters shown from the start of a long text output. */
export const OUTPUT_HEAD_CHARS = 16_000;
/** Characters shown from the end of a long text output. */
export const OUTPUT_TAIL_CHARS = 16_000;
/** A rich output (image, HTML, SVG, markdown) larger than this (2 MB) is not shown. */
export const MAX_RICH_OUTPUT = 2_000_000;
/** Once a notebook's rendered outputs reach this size (8 MB), the rest are not shown. */
export const MAX_NOTEBOOK_OUTPUT = 8_000_000;

/**
 * A size for people: `950 bytes`, `12.3 KB`, `50.0 MB` (powers of 1000).
 *
 * @param bytes A size in bytes.
 * @returns The size with its unit.
 *
 * @example Sizes
 * ```ts
 * import { formatBytes } from "./output_cap.ts";
 * console.assert(formatBytes(50_000_000) === "50.0 MB");
 * console.assert(formatBytes(999) === "999 bytes");
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** Size in bytes of a string once encoded as UTF-8, without encoding it. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The notice shown where output was cut or left out.
 *
 * @param what What happened (`Output truncated: 50.0 MB total`).
 * @param notebookHref Link to the executed notebook, if there is one.
 * @returns Safe HTML: one paragraph.
 *
 * @example A notice
 * ```ts
 * import { cutNotice } from "./output_cap.ts";
 * console.assert(cutNotice("Output truncated", "a.ipynb").includes('href="a.ipynb"'));
 * ```
 */
export function cutNotice(what: string, notebookHref: string | undefined): string {
  const where = notebookHref === undefined
    ? "the executed notebook"
    : `the executed notebook <a href="${escapeHtml(notebookHref)}" download>notebook.ipynb</a>`;
  return `<p class="nb-truncated">${escapeHtml(what)}; full output in ${where}.</p>`;
}

/** A text output as shown. */
export interface CutText {
  /** The text to show: all of it, or its start and end around a `…` line. */
  text: string;
  /** The notice HTML when it was cut, else "". */
  notice: string;
}

/**
 * Cuts a long text output to its first and last 16,000 characters.
 *
 * @param text The output's text.
 * @param notebookHref Link to the executed notebook.
 * @returns The text to show and the notice.
 *
 * @example A 100 KB output
 * ```ts
 * import { cutText } from "./output_cap.ts";
 * const cut = cutText("x".repeat(100_000), "nb.ipynb");
 * console.assert(cut.text.length < 40_000 && cut.notice.includes("100.0 KB total"));
 * ```
 */
export function cutText(text: string, notebookHref: string | undefined): CutText {
  if (text.length <= OUTPUT_HEAD_CHARS + OUTPUT_TAIL_CHARS) return { text, notice: "" };
  // Never split a surrogate pair: a lone half would show as a replacement character.
  let head = OUTPUT_HEAD_CHARS;
  if (/[\ud800-\udbff]/.test(text[head - 1] ?? "")) head--;
  let tail = text.length - OUTPUT_TAIL_CHARS;
  if (/[\udc00-\udfff]/.test(text[tail] ?? "")) tail++;
  return {
    text: `${text.slice(0, head)}\n…\n${text.slice(tail)}`,
    notice: cutNotice(
      `Output truncated: ${formatBytes(utf8Length(text))} total, showing the first ` +
        `${OUTPUT_HEAD_CHARS.toLocaleString("en")} and the last ` +
        `${OUTPUT_TAIL_CHARS.toLocaleString("en")} characters`,
      notebookHref,
    ),
  };
}
