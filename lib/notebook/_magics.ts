/**
 * Jupyter magics in scripts, as Jupytext treats them: which lines are magics (`%matplotlib`,
 * `%%time`, `!ls`, `?obj`), commenting them out in a `.py` file and back, and the languages a
 * cell magic can switch to. A TypeScript port of Jupytext's `magics.py`, `languages.py` and
 * `stringparser.py` (MIT licence), limited to what the percent format of `.py` files needs.
 *
 * @module
 */

/** Comment prefix per script language (Jupytext's `_SCRIPT_EXTENSIONS`). */
const COMMENT: Record<string, string> = {
  python: "#",
  coconut: "#",
  R: "#",
  julia: "#",
  "c++": "//",
  scheme: ";;",
  clojure: ";;",
  bash: "#",
  powershell: "#",
  q: "/",
  matlab: "%",
  "wolfram language": "(*",
  idl: ";",
  javascript: "//",
  typescript: "//",
  scala: "//",
  rust: "//",
  robotframework: "#",
  csharp: "//",
  fsharp: "//",
  sos: "#",
  java: "//",
  groovy: "//",
  sage: "#",
  ocaml: "(*",
  haskell: "--",
  tcl: "#",
  maxima: "/*",
  gnuplot: "#",
  stata: "//",
  sas: "/*",
  xonsh: "#",
  lua: "--",
  go: "//",
};

/** Languages a `%%name` cell magic switches to (Jupytext's `_JUPYTER_LANGUAGES`). */
export const JUPYTER_LANGUAGES: ReadonlySet<string> = new Set([
  "R",
  "bash",
  "sh",
  "python",
  "python2",
  "python3",
  "coconut",
  "javascript",
  "js",
  "perl",
  "html",
  "latex",
  "markdown",
  "pypy",
  "ruby",
  "script",
  "svg",
  "matlab",
  "octave",
  "idl",
  "robotframework",
  "sas",
  "spark",
  "sql",
  "cython",
  "haskell",
  "tcl",
  "gnuplot",
  "wolfram language",
  ...Object.keys(COMMENT),
  "c#",
  "f#",
  "cs",
  "fs",
]);

/** Whether a word names a Jupyter language, ignoring case. */
export function isJupyterLanguage(language: string): boolean {
  const lower = language.toLowerCase();
  for (const lang of JUPYTER_LANGUAGES) if (lang.toLowerCase() === lower) return true;
  return false;
}

/** The usual name of a language (`r` -> `R`, `c#` -> `csharp`). */
export function usualLanguageName(language: string): string {
  const lower = language.toLowerCase();
  if (lower === "r") return "R";
  if (lower.startsWith("c++")) return "c++";
  if (lower === "octave") return "matlab";
  if (lower === "cs" || lower === "c#") return "csharp";
  if (lower === "fs" || lower === "f#") return "fsharp";
  if (lower === "sas") return "SAS";
  return lower;
}

/** Whether two language names mean the same language. */
export function sameLanguage(a: string, b: string): boolean {
  return usualLanguageName(a) === usualLanguageName(b);
}

/** The comment prefix of a language, `#` when unknown. */
export function commentOf(language: string): string {
  return COMMENT[language] ?? "#";
}

/**
 * The language of a cell that starts with a language magic (`%%R -w 400`), removing that first
 * line from `source`.
 *
 * @returns The language and the magic's arguments, or `undefined` when there is no such magic.
 */
export function cellLanguage(
  source: string[],
): { language: string; magicArgs: string } | undefined {
  const line = source[0];
  if (line === undefined || !line.startsWith("%%")) return undefined;
  const magic = line.slice(2);
  const space = magic.indexOf(" ");
  const language = space >= 0 ? magic.slice(0, space) : magic;
  const magicArgs = space >= 0 ? magic.slice(space + 1) : "";
  if (!JUPYTER_LANGUAGES.has(language)) return undefined;
  source.shift();
  return { language, magicArgs };
}

/** Tells whether the start of the next line is inside a string (Jupytext's StringParser). */
export class StringParser {
  #ignore: boolean;
  #python: boolean;
  #comment: string | undefined;
  #single: string | undefined;
  #triple: string | undefined;
  #tripleStart = -1;

  /** @param language The language of the code; `undefined` disables the parser. */
  constructor(language: string | undefined) {
    this.#ignore = language === undefined;
    this.#python = language !== "R";
    this.#comment = language === undefined ? undefined : COMMENT[language];
  }

  /** Whether the next line starts inside a string. */
  isQuoted(): boolean {
    if (this.#ignore) return false;
    return this.#single !== undefined || this.#triple !== undefined;
  }

  /** Reads one more line. */
  readLine(line: string): void {
    if (this.#ignore) return;
    const comment = this.#comment;
    if (!this.isQuoted() && comment !== undefined && line.trimStart().startsWith(comment)) return;
    this.#tripleStart = -1;
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!;
      if (
        this.#single === undefined && this.#triple === undefined && comment &&
        comment.startsWith(char) && line.startsWith(comment, i)
      ) break;
      if (char !== '"' && char !== "'") continue;
      if (i > 0 && line[i - 1] === "\\") continue;
      if (this.#single === char) {
        this.#single = undefined;
        continue;
      }
      if (this.#single !== undefined) continue;
      if (!this.#python) continue;
      if (i >= 2 && line.slice(i - 2, i + 1) === char.repeat(3) && i >= this.#tripleStart + 3) {
        if (this.#triple === char) {
          this.#triple = undefined;
          this.#tripleStart = i;
          continue;
        }
        if (this.#triple !== undefined) continue;
        this.#triple = char;
        this.#tripleStart = i;
        continue;
      }
      if (this.#triple !== undefined) continue;
      this.#single = char;
    }
    if (this.#python) this.#single = undefined;
  }
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

const reCache = new Map<string, { magic: RegExp; forceEsc: RegExp; notEsc: RegExp }>();
function magicRes(comment: string): { magic: RegExp; forceEsc: RegExp; notEsc: RegExp } {
  let res = reCache.get(comment);
  if (!res) {
    const c = escapeRe(comment);
    res = {
      magic: new RegExp(`^\\s*(${c} |${c})*(%|%%|%%%)[a-zA-Z]`),
      forceEsc: new RegExp(`^\\s*(${c} |${c})*(%|%%|%%%)[a-zA-Z](.*)${c}\\s*escape`),
      notEsc: new RegExp(`^\\s*(${c} |${c})*(%|%%|%%%)[a-zA-Z](.*)${c}\\s*noescape`),
    };
    reCache.set(comment, res);
  }
  return res;
}

const PYTHON_HELP_OR_BASH_CMD = /^\s*(# |#)*\s*(\?|!)\s*[A-Za-z.~$\\/{}]/;
const PYTHON_MAGIC_CMD =
  /^(# |#)*(cat|cd|cp|mv|rm|rmdir|mkdir|copy|ddir|echo|ls|ldir|mkdir|ren|rmdir)($|\s$|\s[^=,])/;
const IPYTHON_MAGIC_HELP = /^\s*(# )*[^\s]*\?\s*$/;
const PYTHON_MAGIC_ASSIGN = /^(# |#)*\s*([a-zA-Z_][a-zA-Z_$0-9]*)\s*=\s*(%|%%|%%%|!)[a-zA-Z](.*)/;
const LINE_CONTINUATION = /.*\\\s*$/;

/**
 * Whether a line is a (possibly already commented) Jupyter magic that a script must comment out.
 *
 * @param line The line.
 * @param language The cell's language.
 * @param explicitlyCode Whether the cell is known to be code (then `obj?` counts too).
 */
export function isMagic(line: string, language: string, explicitlyCode = false): boolean {
  const lang = usualLanguageName(language);
  if (["octave", "matlab", "sas", "logtalk"].includes(lang) || !(lang in COMMENT)) return false;
  const res = magicRes(COMMENT[lang]!);
  if (res.forceEsc.test(line)) return true;
  if (res.notEsc.test(line)) return false;
  if (res.magic.test(line)) return true;
  if (lang !== "python") return false;
  if (PYTHON_HELP_OR_BASH_CMD.test(line)) return true;
  if (PYTHON_MAGIC_ASSIGN.test(line)) return true;
  if (explicitlyCode && IPYTHON_MAGIC_HELP.test(line)) return true;
  return PYTHON_MAGIC_CMD.test(line);
}

/** Comments out the magics of a code cell, in place (`%time x` -> `# %time x`). */
export function commentMagic(source: string[], language: string, explicitlyCode = true): string[] {
  const parser = new StringParser(language);
  let nextIsMagic = false;
  source.forEach((line, pos) => {
    if (!parser.isQuoted() && (nextIsMagic || isMagic(line, language, explicitlyCode))) {
      const unindented = nextIsMagic ? line : line.trimStart();
      const indent = line.slice(0, line.length - unindented.length);
      source[pos] = `${indent}${commentOf(language)} ${unindented}`;
      nextIsMagic = language === "python" && LINE_CONTINUATION.test(line);
    }
    parser.readLine(line);
  });
  return source;
}

function unesc(line: string, language: string): string {
  const comment = commentOf(language);
  const unindented = line.trimStart();
  const indent = line.slice(0, line.length - unindented.length);
  if (unindented.startsWith(comment + " ")) return indent + unindented.slice(comment.length + 1);
  if (unindented.startsWith(comment)) return indent + unindented.slice(comment.length);
  return line;
}

/** Uncomments the commented magics of a code cell, in place (`# %time x` -> `%time x`). */
export function uncommentMagic(
  source: string[],
  language: string,
  explicitlyCode = true,
): string[] {
  const parser = new StringParser(language);
  let nextIsMagic = false;
  source.forEach((line, pos) => {
    if (!parser.isQuoted() && (nextIsMagic || isMagic(line, language, explicitlyCode))) {
      source[pos] = unesc(line, language);
      nextIsMagic = language === "python" && LINE_CONTINUATION.test(line);
    }
    parser.readLine(line);
  });
  return source;
}

const ESCAPED_CODE_START = /^(# |#)*(#|# )\+/;

/** Removes one level of escaping from commented `# +` light-format markers, in place. */
export function unescapeCodeStart(source: string[], language: string): string[] {
  const parser = new StringParser(language);
  source.forEach((line, pos) => {
    if (!parser.isQuoted() && ESCAPED_CODE_START.test(line)) {
      const unescaped = unesc(line, language);
      if (ESCAPED_CODE_START.test(unescaped)) source[pos] = unescaped;
    }
    parser.readLine(line);
  });
  return source;
}
