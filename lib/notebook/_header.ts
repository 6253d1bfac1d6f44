/**
 * The YAML header of a percent-format script (`# ---` ... `# ---`): read into notebook metadata
 * and a raw cell, written back from them. A port of Jupytext's `header.py` (MIT licence).
 *
 * @module
 */
import { isMap, LineCounter, stringifyYaml } from "../../deps.ts";
import type { JsonObject, JsonValue } from "../_base/json.ts";
import { parseYamlDocument } from "../_base/yaml.ts";
import { checkYamlShape, type ShapeLimits } from "../_base/yaml_shape.ts";
import { MAX_HEADER_ALIAS_EXPANSION, MAX_HEADER_ALIASES, MAX_HEADER_DEPTH } from "./limits.ts";
import { NotebookError } from "./errors.ts";
import { compareCodePoints } from "./_python_json.ts";
import { linesFrom, pep8LinesBetweenCells } from "./_pep8.ts";
import { BLANK, HEADER, isAscii, isObject, splitLines, uncomment } from "./_text.ts";
import type { Cell } from "./schema.ts";

const JUPYTER = /^jupyter\s*:\s*$/;
const LEFT_SPACE = /^\s/;
const ENCODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)/;

function recursiveUpdate(target: JsonObject, update: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete target[key];
    else if (isObject(value)) {
      target[key] = recursiveUpdate(isObject(target[key]) ? target[key] : {}, value);
    } else target[key] = value;
  }
  return target;
}

/** What the header of a script gave. */
export interface Header {
  metadata: JsonObject;
  hadJupyter: boolean;
  cell: Cell | undefined;
  next: number;
}

/** Reads the header at the top of a script's lines (Jupytext's `header_to_metadata_and_cell`). */
export function readHeader(lines: string[], path: string): Header {
  const header: string[] = [];
  const jupyter: string[] = [];
  let inJupyter = false;
  let start = 0;
  let started = false;
  let ended = false;
  let metadata: JsonObject = {};
  const extra = (): JsonObject => (metadata.jupytext ??= {}) as JsonObject;
  let i = -1;
  let jupyterFirstLine = 0;
  for (i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (i === 0 && line.startsWith("#!")) {
      extra().executable = line.slice(2);
      start = i + 1;
      continue;
    }
    if (i === 0 || (i === 1 && !ENCODING.test(lines[0]!))) {
      const encoding = ENCODING.exec(line);
      if (encoding) {
        if (encoding[1] !== "utf-8") {
          throw new NotebookError(
            path,
            `line ${i + 1}: encoding ${JSON.stringify(encoding[1])} is not supported; ` +
              "save the file as UTF-8",
          );
        }
        extra().encoding = line;
        start = i + 1;
        continue;
      }
    }
    if (!line.startsWith("#")) break;
    line = uncomment([line])[0]!;
    if (HEADER.test(line)) {
      if (!started) {
        started = true;
        continue;
      }
      ended = true;
      break;
    }
    if (!started && line.trim()) break;
    if (JUPYTER.test(line)) {
      inJupyter = true;
      if (!jupyter.length) jupyterFirstLine = i;
    } else if (line && !LEFT_SPACE.test(line)) inJupyter = false;
    if (inJupyter) jupyter.push(line);
    else header.push(line);
  }
  if (!ended) return { metadata, hadJupyter: false, cell: undefined, next: start };

  if (jupyter.length) {
    const extraMetadata = metadata;
    metadata = parseJupyterYaml(jupyter.join("\n"), path, jupyterFirstLine);
    recursiveUpdate(metadata, extraMetadata);
  }
  let linesToNextCell = 1;
  if (lines.length > i + 1) {
    const next = uncomment([lines[i + 1]!])[0]!;
    if (!BLANK.test(next)) linesToNextCell = 0;
    else i = i + 1;
  } else {
    linesToNextCell = 0;
  }
  let cell: Cell | undefined;
  if (header.length) {
    const expected = pep8LinesBetweenCells(["---"], linesFrom(lines, i + 1));
    cell = {
      cell_type: "raw",
      metadata: linesToNextCell === expected ? {} : { lines_to_next_cell: linesToNextCell },
      source: ["---", ...header, "---"].join("\n"),
    };
  }
  return { metadata, hadJupyter: jupyter.length > 0, cell, next: i + 1 };
}

const HEADER_LIMITS: ShapeLimits = {
  maxDepth: MAX_HEADER_DEPTH,
  maxAliases: MAX_HEADER_ALIASES,
  maxExpansion: MAX_HEADER_ALIAS_EXPANSION,
};

/** The `jupyter:` mapping of a YAML header's text (`firstLine`: where it starts, for messages). */
export function parseJupyterYaml(text: string, path: string, firstLine: number): JsonObject {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by checkYamlShape, in linear time (the parser's check is not).
  const doc = parseYamlDocument(text, {
    version: "1.1",
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
  });
  const error = doc.errors[0] ??
    checkYamlShape(doc, HEADER_LIMITS).map((p) => ({ pos: [p.offset], message: p.message }))[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]!).line + firstLine;
    const why = /call stack/i.test(error.message)
      ? `nested more than ${MAX_HEADER_DEPTH} levels deep`
      : error.message.split("\n")[0];
    throw new NotebookError(
      path,
      `line ${line}: the 'jupyter:' section of the YAML header is not valid YAML: ${why}`,
      { cause: error },
    );
  }
  if (!isMap(doc.contents)) return {};
  const value = (doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown>).jupyter;
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new NotebookError(path, `line ${firstLine + 1}: 'jupyter:' must be a mapping`);
  }
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * `yaml.safe_dump(value, default_flow_style=False)`, as Jupytext writes headers: keys sorted,
 * sequences not indented, single quotes where quoting is needed, and (PyYAML's
 * `allow_unicode=False`) any string with non-ASCII characters double-quoted with `\xE9`-style
 * escapes.
 */
export function dumpYaml(value: JsonObject): string[] {
  const escaped = new Map<string, string>();
  const protect = (text: string): string => {
    if (isAscii(text)) return text;
    const token = `pynbyamlplaceholder${escaped.size}x`;
    escaped.set(token, pyyamlDoubleQuoted(text));
    return token;
  };
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === "string") return protect(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) {
      // Sorted here, by the real keys (as Python sorts them), since some become placeholders.
      const entries = Object.entries(v).sort(([a], [b]) => compareCodePoints(a, b));
      return Object.fromEntries(entries.map(([k, x]) => [protect(k), walk(x)]));
    }
    return v;
  };
  let text = stringifyYaml(walk(value), {
    version: "1.1",
    sortMapEntries: false,
    indentSeq: false,
    singleQuote: true,
    lineWidth: 0,
    nullStr: "null",
  });
  if (escaped.size) text = text.replace(/pynbyamlplaceholder\d+x/g, (t) => escaped.get(t) ?? t);
  return splitLines(text);
}

const PYYAML_ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xa0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

/** A double-quoted YAML scalar escaped as PyYAML writes it without `allow_unicode`. */
function pyyamlDoubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const short = PYYAML_ESCAPES[ch];
    if (short !== undefined) out += `\\${short}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += `\\U${code.toString(16).toUpperCase().padStart(8, "0")}`;
  }
  return out + '"';
}
