/**
 * Renders an executed Jupyter notebook to HTML in TypeScript. Notebook content is untrusted:
 * markdown goes through `marked` then the `xss` whitelist sanitiser, text is escaped, ANSI colours become
 * classes, images must be valid base64, SVG is shown as an `<img>` (which never runs scripts) and
 * raw HTML outputs go into a sandboxed `<iframe srcdoc>` without `allow-scripts`.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { AnsiUp, FilterXSS, Marked, xssWhiteList } from "../../deps/site.ts";
import { type CodeLanguage, highlightCode } from "./highlight.ts";
import { escapeHtml } from "./_html.ts";
import {
  cutNotice,
  cutText,
  formatBytes,
  MAX_NOTEBOOK_OUTPUT,
  MAX_RICH_OUTPUT,
} from "./output_cap.ts";

const marked = new Marked({ gfm: true, breaks: false });

const DROP_WITH_CONTENT = ["script", "style", "iframe", "object", "embed", "noscript", "template"];
const SAFE_IMG = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$/;

const sanitizer = new FilterXSS({
  whiteList: {
    ...xssWhiteList,
    a: ["href", "title"],
    img: ["src", "alt", "title", "width", "height"],
    code: ["class"],
    input: ["type", "checked", "disabled"],
  },
  stripIgnoreTag: true,
  stripIgnoreTagBody: DROP_WITH_CONTENT,
  onTagAttr(tag: string, name: string, value: string) {
    // Only inline raster images: anything else would be fetched (blocked by the CSP, or a 404).
    if (tag === "img" && name === "src") return SAFE_IMG.test(value) ? undefined : "";
    if (tag === "code" && name === "class") {
      return /^language-[a-z0-9-]+$/.test(value) ? undefined : "";
    }
    if (tag === "input" && name === "type") return value === "checkbox" ? undefined : "";
    return undefined;
  },
});

/**
 * Renders markdown written by a notebook author to sanitised HTML.
 *
 * @param source Markdown text.
 * @returns Safe HTML: no scripts, event handlers, styles or `javascript:` links.
 *
 * @example Markdown
 * ```ts
 * import { renderMarkdown } from "./notebook.ts";
 * console.assert(!renderMarkdown("<script>x()</script>*hi*").includes("<script"));
 * ```
 */
export function renderMarkdown(source: string): string {
  return sanitizer.process(marked.parse(source, { async: false }))
    .replace(/<a /g, '<a rel="noopener noreferrer nofollow" ');
}

const ansi = new AnsiUp();
ansi.use_classes = true;
ansi.escape_html = true;

/**
 * Converts text with ANSI colour codes (tracebacks, stderr) to escaped HTML with `ansi-*`
 * classes; the site's CSP forbids inline styles.
 *
 * @param text Text possibly holding ANSI escape codes.
 * @returns Escaped HTML.
 *
 * @example ANSI
 * ```ts
 * import { ansiToHtml } from "./notebook.ts";
 * console.assert(ansiToHtml("\u001b[31m<x>\u001b[0m").includes("ansi-red-fg"));
 * ```
 */
export function ansiToHtml(text: string): string {
  // Most output has no escape codes at all: skip the parser.
  if (!text.includes("\u001b")) return escapeHtml(text);
  // ansi_up keeps colour state between calls: start every text from a reset.
  ansi.ansi_to_html("\u001b[0m");
  // ansi_up writes 256-colour and true-colour codes as inline styles, which the CSP forbids:
  // map them to the nearest of the 16 class colours. The attributes are ansi_up's own output.
  return ansi.ansi_to_html(text).replace(
    /<span style="([^"]*)"(?: class="([^"]*)")?>/g,
    (_m, style: string, cls: string | undefined) => {
      const classes = cls ? cls.split(" ") : [];
      if (style.includes("font-weight:bold")) classes.push("ansi-bold");
      if (style.includes("opacity")) classes.push("ansi-faint");
      if (style.includes("font-style:italic")) classes.push("ansi-italic");
      if (style.includes("text-decoration:underline")) classes.push("ansi-underline");
      const fg = /(?:^|;)color:rgb\((\d+),(\d+),(\d+)\)/.exec(style);
      if (fg) classes.push(`${nearestAnsi(Number(fg[1]), Number(fg[2]), Number(fg[3]))}-fg`);
      const bg = /background-color:rgb\((\d+),(\d+),(\d+)\)/.exec(style);
      if (bg) classes.push(`${nearestAnsi(Number(bg[1]), Number(bg[2]), Number(bg[3]))}-bg`);
      return `<span class="${classes.join(" ")}">`;
    },
  );
}

const ANSI_PALETTE: [string, number, number, number][] = [
  ["ansi-black", 0, 0, 0],
  ["ansi-red", 187, 0, 0],
  ["ansi-green", 0, 187, 0],
  ["ansi-yellow", 187, 187, 0],
  ["ansi-blue", 0, 0, 187],
  ["ansi-magenta", 187, 0, 187],
  ["ansi-cyan", 0, 187, 187],
  ["ansi-white", 255, 255, 255],
  ["ansi-bright-black", 85, 85, 85],
  ["ansi-bright-red", 255, 85, 85],
  ["ansi-bright-green", 0, 255, 0],
  ["ansi-bright-yellow", 255, 255, 85],
  ["ansi-bright-blue", 85, 85, 255],
  ["ansi-bright-magenta", 255, 85, 255],
  ["ansi-bright-cyan", 85, 255, 255],
];

function nearestAnsi(r: number, g: number, b: number): string {
  let best = "ansi-white";
  let dist = Infinity;
  for (const [name, pr, pg, pb] of ANSI_PALETTE) {
    const d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (d < dist) [best, dist] = [name, d];
  }
  return best;
}

const MultiText = z.union([z.string(), z.array(z.string())]).transform((v) =>
  Array.isArray(v) ? v.join("") : v
);

const OutputSchema = z.object({
  output_type: z.string(),
  name: z.string().optional(),
  text: MultiText.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  ename: z.string().optional(),
  evalue: z.string().optional(),
  traceback: z.array(z.string()).optional(),
  execution_count: z.number().nullable().optional(),
});

const CellSchema = z.object({
  cell_type: z.string(),
  source: MultiText.default(""),
  execution_count: z.number().nullable().optional(),
  outputs: z.array(OutputSchema).optional(),
  metadata: z.object({ tags: z.array(z.string()).optional() }).loose().optional(),
});

/** The parts of an nbformat 4 notebook the site renders; everything else is ignored. */
export const NotebookSchema = z.object({
  cells: z.array(CellSchema),
  metadata: z.object({
    kernelspec: z.object({
      display_name: z.string().optional(),
      language: z.string().optional(),
    }).loose().optional(),
    language_info: z.object({ name: z.string().optional() }).loose().optional(),
  }).loose().optional(),
});

/** The language of a notebook's code cells, from its metadata (Deno's kernel says typescript). */
function codeLanguage(nb: z.infer<typeof NotebookSchema>): CodeLanguage {
  const name = nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language ?? "";
  return name.toLowerCase() === "typescript" ? "typescript" : "python";
}

type Output = z.infer<typeof OutputSchema>;

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

/** Where the full notebook is, for the notices of cut outputs. */
type Href = string | undefined;

function tooLarge(size: number, mime: string, href: Href): string | undefined {
  if (size <= MAX_RICH_OUTPUT) return undefined;
  return cutNotice(`Output not shown: ${formatBytes(size)} of ${mime}`, href);
}

function textPre(cls: string, value: string, href: Href, ansi = true): string {
  const cut = cutText(value, href);
  return `<pre class="${cls}">${
    ansi ? ansiToHtml(cut.text) : escapeHtml(cut.text)
  }</pre>${cut.notice}`;
}

/** Stores a base64 image output as a file and returns its link (see RenderNotebookOptions). */
type ImageSrc = ((mime: string, base64: string) => string | undefined) | undefined;

function renderData(data: Record<string, unknown>, href: Href, image: ImageSrc): string {
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    const b64 = text(data[mime]);
    if (b64 !== undefined) {
      const big = tooLarge(b64.length, mime, href);
      if (big !== undefined) return big;
      if (!BASE64.test(b64)) return `<p class="muted">(invalid ${escapeHtml(mime)} output)</p>`;
      // A figure stored once as a file, linked: the page does not carry it a second time.
      const src = image?.(mime, b64);
      if (src !== undefined) {
        return `<img class="nb-img" alt="output image" src="${escapeHtml(src)}">`;
      }
      return `<img class="nb-img" alt="output image" src="data:${mime};base64,${
        b64.replace(/\s+/g, "")
      }">`;
    }
  }
  const svg = text(data["image/svg+xml"]);
  if (svg !== undefined) {
    const big = tooLarge(svg.length, "image/svg+xml", href);
    if (big !== undefined) return big;
    // As an <img>, an SVG never runs scripts and cannot reach the page.
    const bytes = new TextEncoder().encode(svg);
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return `<img class="nb-img" alt="SVG output" src="data:image/svg+xml;base64,${btoa(bin)}">`;
  }
  const html = text(data["text/html"]);
  if (html !== undefined) {
    const big = tooLarge(html.length, "text/html", href);
    if (big !== undefined) return big;
    const lines = html.split("\n").length;
    const height = Math.min(600, Math.max(80, lines * 22 + 24));
    // No allow-scripts, no allow-same-origin: the frame is an opaque, inert origin.
    return `<iframe class="nb-html" sandbox title="HTML output" height="${height}" srcdoc="${
      escapeHtml(html)
    }"></iframe>`;
  }
  const md = text(data["text/markdown"]);
  if (md !== undefined) {
    return tooLarge(md.length, "text/markdown", href) ??
      `<div class="nb-md">${renderMarkdown(md)}</div>`;
  }
  const json = data["application/json"];
  if (json !== undefined) return textPre("nb-text", JSON.stringify(json, null, 2), href, false);
  const plain = text(data["text/plain"]) ?? text(data["text/latex"]);
  if (plain !== undefined) return textPre("nb-text", plain, href);
  const kinds = Object.keys(data).map(escapeHtml).join(", ");
  return `<p class="muted">(output of type ${kinds} not shown)</p>`;
}

function renderOutput(out: Output, href: Href, image: ImageSrc): string {
  switch (out.output_type) {
    case "stream": {
      const cls = out.name === "stderr" ? "nb-stream nb-stderr" : "nb-stream";
      return textPre(cls, out.text ?? "", href);
    }
    case "error":
      return textPre("nb-error", (out.traceback ?? []).join("\n"), href);
    case "execute_result":
    case "display_data":
      return renderData(out.data ?? {}, href, image);
    default:
      return "";
  }
}

/** About how large an output is, without rendering it. */
function outputSize(out: Output): number {
  let n = (out.text?.length ?? 0) + (out.traceback ?? []).reduce((a, l) => a + l.length, 0);
  for (const v of Object.values(out.data ?? {})) n += text(v)?.length ?? 0;
  return n;
}

/** Renders a cell's outputs within what is left of the notebook's budget. */
function renderOutputs(
  outputs: Output[],
  budget: { used: number },
  href: Href,
  image: ImageSrc,
): string {
  const parts: string[] = [];
  let skipped = 0;
  let skippedSize = 0;
  for (const out of outputs) {
    if (budget.used >= MAX_NOTEBOOK_OUTPUT) {
      skipped++;
      skippedSize += outputSize(out);
      continue;
    }
    const html = renderOutput(out, href, image);
    budget.used += html.length;
    parts.push(html);
  }
  if (skipped > 0) {
    parts.push(cutNotice(
      `${skipped} output${skipped === 1 ? "" : "s"} (${formatBytes(skippedSize)}) not shown: ` +
        `the outputs of this notebook passed ${formatBytes(MAX_NOTEBOOK_OUTPUT)}`,
      href,
    ));
  }
  return parts.join("");
}

/** A rendered notebook. */
export interface RenderedNotebook {
  /** HTML of the cells, safe to embed. */
  html: string;
  /** Number of cells. */
  cells: number;
}

/** Options of {@linkcode renderNotebook}. */
export interface RenderNotebookOptions {
  /**
   * Link to the executed notebook file, given where an output is cut short.
   * @default undefined (no link)
   */
  notebookHref?: string;
  /**
   * Stores a base64 PNG, JPEG or GIF output as a file and returns its link (escaped here);
   * undefined keeps the image inline as a `data:` URL.
   * @default undefined (images inline)
   */
  imageSrc?: (mime: string, base64: string) => string | undefined;
}

/**
 * Renders an executed notebook (nbformat 4 JSON text) to safe HTML.
 *
 * @param json The `.ipynb` file's text.
 * @param options Where the full notebook is.
 * @returns The HTML of its cells.
 * @throws {SyntaxError} When the text is not JSON.
 * @throws {z.ZodError} When it is not a notebook.
 *
 * @example Rendering
 * ```ts
 * import { renderNotebook } from "./notebook.ts";
 * const nb = { cells: [{ cell_type: "markdown", source: "# Hi" }], metadata: {} };
 * console.assert(renderNotebook(JSON.stringify(nb)).html.includes("<h1>Hi</h1>"));
 * ```
 */
export function renderNotebook(
  json: string,
  options: RenderNotebookOptions = {},
): RenderedNotebook {
  const nb = NotebookSchema.parse(JSON.parse(json));
  const parts: string[] = [];
  const budget = { used: 0 };
  const language = codeLanguage(nb);
  for (const cell of nb.cells) {
    if (cell.cell_type === "markdown") {
      parts.push(`<div class="nb-cell nb-markdown">${renderMarkdown(cell.source)}</div>`);
    } else if (cell.cell_type === "code") {
      const count = cell.execution_count ?? " ";
      const tags = cell.metadata?.tags ?? [];
      const injected = tags.includes("injected-parameters") ? " nb-injected" : "";
      const outputs = renderOutputs(
        cell.outputs ?? [],
        budget,
        options.notebookHref,
        options.imageSrc,
      );
      parts.push(
        `<div class="nb-cell nb-code${injected}"><div class="nb-prompt">[${
          escapeHtml(count)
        }]</div><div class="nb-body"><pre class="nb-source"><code class="hljs">${
          highlightCode(cell.source, language)
        }</code></pre>${outputs ? `<div class="nb-outputs">${outputs}</div>` : ""}</div></div>`,
      );
    } else {
      parts.push(`<div class="nb-cell nb-raw"><pre>${escapeHtml(cell.source)}</pre></div>`);
    }
  }
  return { html: parts.join("\n"), cells: nb.cells.length };
}
