/**
 * Line-level helpers shared by the percent-format reader and writer (Jupytext's conventions).
 *
 * @module
 */
import type { JsonObject } from "../_base/json.ts";

/** A `# %%` cell marker with options (`# %% [markdown] tags=["x"]`). */
export const START = /^\s*#\s*%%(%*)\s(.*)$/;
/** A bare cell marker: `# %%`, `# <codecell>`, `# In[3]:`. */
export const ALT_START = /^\s*#\s*(%%|<codecell>|In\[[0-9 ]*\]:?)\s*$/;
/** A blank line. */
export const BLANK = /^\s*$/;
/** The `---` line that opens and closes a YAML header. */
export const HEADER = /^---\s*$/;

/** The lines of a text, like Python's `str.splitlines()` for `\n`, `\r\n` and `\r`. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `source.splitlines()`, plus an empty last line when the source ends with a newline. */
export function cellSource(source: string): string[] {
  if (source === "") return [""];
  const lines = splitLines(source);
  return /[\r\n]$/.test(source) ? [...lines, ""] : lines;
}

/** Removes a `# ` (or `#`) prefix from each line that has one. */
export function uncomment(lines: string[], prefix = "#"): string[] {
  if (!prefix) return lines;
  return lines.map((line) =>
    line.startsWith(prefix + " ")
      ? line.slice(prefix.length + 1)
      : line.startsWith(prefix)
      ? line.slice(prefix.length)
      : line
  );
}

/** Whether a string is pure ASCII. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Comments out lines (`# text`, and a bare `#` for empty lines). */
export function commentLines(lines: string[], prefix: string): string[] {
  return lines.map((line) => (line ? `${prefix} ${line}` : prefix));
}

/** Whether a JSON value is an object. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The notebook's `jupytext` metadata, if any. */
export function jupytextOf(metadata: JsonObject): JsonObject | undefined {
  return isObject(metadata.jupytext) ? metadata.jupytext : undefined;
}

/** The notebook's main language, as Jupytext derives it from its metadata. */
export function defaultLanguage(metadata: JsonObject, popMainLanguage: boolean): string {
  const jupytext = jupytextOf(metadata);
  const mainLanguage = typeof jupytext?.main_language === "string"
    ? jupytext.main_language
    : undefined;
  const kernelspec = isObject(metadata.kernelspec) ? metadata.kernelspec : {};
  const kernelLanguage = typeof kernelspec.language === "string" && kernelspec.language
    ? kernelspec.language
    : "python";
  const language = mainLanguage ?? kernelLanguage;
  if (mainLanguage !== undefined && mainLanguage === kernelLanguage && popMainLanguage) {
    delete jupytext!.main_language;
  }
  if (language === "R" || language === "sas") return language;
  if (language.startsWith("C++")) return "c++";
  return language.toLowerCase().replaceAll("#", "sharp");
}
