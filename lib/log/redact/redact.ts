/**
 * Redaction of secret values from everything a run writes. A {@linkcode Redactor} is built from
 * the values of the pipeline's `secrets:` and replaces each of them, and the forms a notebook
 * commonly prints them in (JSON-escaped, base64, base64url, URL-encoded), by `***`: in strings,
 * in JSON values, and in files of any size (streamed in chunks, so a match across two chunks is
 * still found).
 *
 * A secret the notebook transforms otherwise (reversed, hashed, split, encrypted) is not found:
 * see `SECURITY.md`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { join, posix } from "node:path";
import { writeFileAtomic } from "../../_base/fs.ts";
import { ATTEMPT_LAYOUT } from "../layout.ts";

/** What a secret value is replaced by. */
export const REDACTED = "***";

/** Secret values shorter than this cannot be redacted without mangling ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** Bytes read at once when redacting a file. */
const CHUNK_BYTES = 1 << 20;

/**
 * Replaces secret values, and their encoded forms, by {@linkcode REDACTED}.
 *
 * Files are handled as bytes (decoded as latin1, one character per byte), so binary files and
 * text in any encoding are redacted alike and bytes that are no secret are kept exactly.
 *
 * @example Redacting a string
 * ```ts
 * import { Redactor } from "./redact.ts";
 * const r = new Redactor(["hunter2-token"]);
 * console.assert(r.redact("token=hunter2-token") === "token=***");
 * console.assert(r.redact(`b64=${btoa("hunter2-token")}`) === "b64=***");
 * ```
 */
export class Redactor {
  /** One pattern over latin1 text (the UTF-8 bytes of each form), longest forms first. */
  #bytes: RegExp | undefined;
  /** The same forms as JavaScript strings, for text already decoded. */
  #text: RegExp | undefined;
  #longest = 0;

  /**
   * @param secrets The secret values; empty strings are ignored.
   * @throws {RangeError} When a value is shorter than {@linkcode MIN_SECRET_LENGTH}.
   */
  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret === "") continue;
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new RangeError(
          `Cannot redact a secret of ${secret.length} characters: values shorter than ` +
            `${MIN_SECRET_LENGTH} would mangle ordinary text`,
        );
      }
      for (const form of secretForms(secret)) {
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
      }
    }
    if (forms.size === 0) return;
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.#text = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
    const latin1 = sorted.map((f) => Buffer.from(f, "utf8").toString("latin1"));
    this.#bytes = new RegExp(latin1.map(escapeRegExp).join("|"), "g");
    this.#longest = Math.max(...latin1.map((f) => f.length));
  }

  /** Whether there is anything to redact. */
  get active(): boolean {
    return this.#text !== undefined;
  }

  /**
   * Redacts a string.
   *
   * @param text Any text.
   * @returns The text with every secret form replaced.
   */
  redact(text: string): string {
    if (this.#text === undefined) return text;
    return text.replace(this.#text, REDACTED);
  }

  /**
   * Redacts every string of a JSON-like value, keys included.
   *
   * @param value A value of strings, numbers, booleans, null, arrays and plain objects.
   * @returns A copy with every string redacted (the value itself when nothing is secret).
   *
   * @example Redacting a logged value
   * ```ts
   * import { Redactor } from "./redact.ts";
   * const r = new Redactor(["s3cr3t-value"]);
   * console.assert(r.redactValue({ url: "https://x/?k=s3cr3t-value" }).url === "https://x/?k=***");
   * ```
   */
  redactValue<T>(value: T): T {
    if (this.#text === undefined) return value;
    return this.#value(value) as T;
  }

  #value(v: unknown): unknown {
    if (typeof v === "string") return this.redact(v);
    if (Array.isArray(v)) return v.map((x) => this.#value(x));
    if (v !== null && typeof v === "object" && !(v instanceof Date)) {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [this.redact(k), this.#value(x)]),
      );
    }
    return v;
  }

  /**
   * Redacts a file in place, streaming it in chunks; the file is replaced (through a temporary
   * file and a rename) only when something was redacted.
   *
   * @param path A regular file.
   * @returns Whether the file changed.
   *
   * @example Redacting a file
   * ```ts
   * import { Redactor } from "./redact.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "a hunter2-token b");
   * console.assert(await new Redactor(["hunter2-token"]).redactFile(path));
   * console.assert(await Deno.readTextFile(path) === "a *** b");
   * await Deno.remove(path);
   * ```
   */
  async redactFile(path: string): Promise<boolean> {
    const pattern = this.#bytes;
    if (pattern === undefined) return false;
    const temp = `${path}.redacting`;
    let changed = false;
    {
      using input = await Deno.open(path, { read: true });
      using output = await Deno.open(temp, { write: true, create: true, truncate: true });
      const buffer = new Uint8Array(CHUNK_BYTES);
      let carry = "";
      while (true) {
        const n = await input.read(buffer);
        const end = n === null;
        let text = carry + (end ? "" : Buffer.from(buffer.subarray(0, n)).toString("latin1"));
        // A match must start before `safe` to be complete: later ones wait for the next chunk.
        const safe = end ? text.length : Math.max(0, text.length - (this.#longest - 1));
        let out = "";
        let last = 0;
        pattern.lastIndex = 0;
        for (let m = pattern.exec(text); m !== null && m.index < safe; m = pattern.exec(text)) {
          out += text.slice(last, m.index) + REDACTED;
          last = m.index + m[0].length;
          changed = true;
        }
        const keep = Math.max(last, safe);
        out += text.slice(last, keep);
        carry = text.slice(keep);
        text = "";
        await writeAll(output, Buffer.from(out, "latin1"));
        if (end) break;
      }
    }
    if (changed) await Deno.rename(temp, path);
    else await Deno.remove(temp);
    return changed;
  }

  /**
   * Redacts every regular file under a folder (symbolic links are neither followed nor
   * changed).
   *
   * @param dir The folder.
   * @returns Paths (relative to `dir`, `/`-separated) of the files that changed.
   */
  async redactFolder(dir: string): Promise<string[]> {
    if (!this.active) return [];
    const changed: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for await (const entry of Deno.readDir(join(dir, rel))) {
        const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory) await walk(child);
        else if (entry.isFile && await this.redactFile(join(dir, child))) changed.push(child);
      }
    };
    await walk("");
    return changed.sort();
  }
}

/**
 * The forms of a secret that a notebook's output commonly holds: the value, JSON-escaped (with
 * and without `\uXXXX` for non-ASCII, as Python's `json.dumps` writes by default), base64 and
 * base64url (alone, and inside a longer base64 text at each of the three byte alignments), and
 * URL-encoded (`%20` and `+` for spaces, `/` kept or not).
 *
 * @param secret The value.
 * @returns Its forms, the value first.
 *
 * @example Forms of a secret
 * ```ts
 * import { secretForms } from "./redact.ts";
 * const forms = secretForms("a b/c");
 * console.assert(forms.includes("a%20b%2Fc") && forms.includes("a+b/c") && forms.includes(btoa("a b/c")));
 * ```
 */
export function secretForms(secret: string): string[] {
  const forms = [secret];
  const json = JSON.stringify(secret).slice(1, -1);
  forms.push(json, asciiJson(json));
  const bytes = new TextEncoder().encode(secret);
  for (let pad = 0; pad < 3; pad++) {
    const padded = new Uint8Array(pad + bytes.length);
    padded.set(bytes, pad);
    const b64 = Buffer.from(padded).toString("base64");
    if (pad === 0) forms.push(b64, b64.replace(/=+$/, ""));
    // Characters that hold only bits of the secret, whatever bytes come before and after.
    const inner = b64.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * padded.length) / 6));
    forms.push(inner);
  }
  for (const b64 of forms.slice(3)) forms.push(b64.replaceAll("+", "-").replaceAll("/", "_"));
  const url = encodeURIComponent(secret);
  forms.push(url, url.replaceAll("%20", "+"), url.replaceAll("%2F", "/"));
  forms.push(url.replaceAll("%20", "+").replaceAll("%2F", "/"));
  return [...new Set(forms)];
}

/**
 * Redacts an attempt folder (`tasks/<slug>/attempt-<n>/`) right after the attempt ends, before
 * anything reads it: every file, then `values.jsonl`, whose artifact lines get the new size and
 * sha256 of the artifacts that changed.
 *
 * @param attemptDir The attempt folder.
 * @param redactor The run's redactor.
 * @returns Paths (relative to the folder) of the files that changed.
 *
 * @example Redacting an attempt
 * ```ts
 * import { redactAttemptFolder, Redactor } from "./redact.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/stderr.txt`, "token hunter2-token\n");
 * const changed = await redactAttemptFolder(dir, new Redactor(["hunter2-token"]));
 * console.assert(changed[0] === "stderr.txt");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function redactAttemptFolder(
  attemptDir: string,
  redactor: Redactor,
): Promise<string[]> {
  if (!redactor.active) return [];
  const changed = await redactor.redactFolder(attemptDir);
  const valuesFile = join(attemptDir, ATTEMPT_LAYOUT.values);
  const artifacts = new Map<string, { size: number; sha256: string }>();
  for (const rel of changed) {
    if (!rel.startsWith(`${ATTEMPT_LAYOUT.artifacts}/`)) continue;
    const bytes = await Deno.readFile(join(attemptDir, rel));
    artifacts.set(rel, { size: bytes.length, sha256: await sha256Hex(bytes) });
  }
  if (artifacts.size === 0) return changed;
  let text: string;
  try {
    text = await Deno.readTextFile(valuesFile);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return changed;
    throw err;
  }
  const lines = text.split("\n").map((line) => {
    if (line.trim() === "") return line;
    try {
      const data = JSON.parse(line);
      const fix = typeof data?.path === "string"
        ? artifacts.get(posix.normalize(data.path))
        : undefined;
      if (data?.kind !== "artifact" || fix === undefined) return line;
      return JSON.stringify({ ...data, ...fix });
    } catch {
      return line; // Not JSON: the reader warns about it.
    }
  });
  await writeFileAtomic(valuesFile, lines.join("\n"));
  if (!changed.includes(ATTEMPT_LAYOUT.values)) changed.push(ATTEMPT_LAYOUT.values);
  return changed.sort();
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function asciiJson(json: string): string {
  return json.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
