/**
 * Loading a pipeline file: YAML, JSON or a TypeScript module, validated by one zod schema, with
 * every problem reported at once with its line and column.
 *
 * @module
 */
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LineCounter } from "../../deps.ts";
import { parseYaml, yamlToJs } from "./_yaml.ts";
import { PipelineFileError, PipelineSpecError } from "./errors.ts";
import { type DataPath, type PointAt, type Position, SourcePositions } from "./_positions.ts";
import { issuesToProblems } from "./_issues.ts";
import { type PipelineSpec, PipelineSpecSchema } from "./schema.ts";
import { MAX_PIPELINE_BYTES } from "./limits.ts";
import { findBadShape } from "./_data_shape.ts";

export type { DataPath, PointAt, Position };

/** Where the parts of a pipeline came from, so later checks can point at them too. */
export interface PipelineSource {
  /** The path as the user wrote it, used in messages. */
  shownPath: string;
  /**
   * Source position of a data path (`["tasks", "eda", "needs", 0]`), or `undefined` when the
   * pipeline has no positions (a `pipeline.ts`).
   */
  locate(path: DataPath, at?: PointAt): Position | undefined;
}

/** A validated pipeline and where it came from. */
export interface LoadedPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** Absolute folder of the pipeline file; notebook paths are relative to it. */
  baseDir: string;
  /** The validated pipeline. */
  spec: PipelineSpec;
  /** Source positions for messages of later checks (the planner's). Absent if built by hand. */
  source?: PipelineSource;
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
const MODULE_EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

/**
 * Reads and validates a pipeline file: `.yaml`, `.yml`, `.json`, or a `.ts` module whose
 * default export is built with `definePipeline()` (importing it needs only `--allow-read`).
 *
 * @param path Path of the file, absolute or relative to the working folder.
 * @returns The validated pipeline.
 * @throws {PipelineFileError} When the file is missing, a folder, or of an unknown kind.
 * @throws {PipelineSpecError} With every problem of the file when it does not validate.
 *
 * @example Loading a pipeline
 * ```ts ignore
 * import { loadPipeline } from "./load.ts";
 * const { spec, baseDir } = await loadPipeline("examples/mnist-digits-demo-pipeline/pipeline.yaml");
 * console.log(spec.name, Object.keys(spec.tasks), baseDir);
 * ```
 */
export async function loadPipeline(path: string): Promise<LoadedPipeline> {
  if (path.includes("\0")) {
    throw new PipelineFileError(
      JSON.stringify(path).slice(1, -1),
      path,
      "the path contains a NUL byte, which no file name can hold",
    );
  }
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  if (MODULE_EXTENSIONS.has(ext)) return await loadModule(path, file);
  if (!YAML_EXTENSIONS.has(ext)) {
    throw new PipelineFileError(
      path,
      file,
      `unknown file kind ${JSON.stringify(ext || "(no extension)")}; use .yaml, .yml, .json ` +
        `or a .ts module`,
    );
  }
  let text: string;
  try {
    await checkRegularFile(path, file);
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw fileError(path, file, err);
  }
  return parsePipeline(text, { file, shownPath: path });
}

/** Refuses what is not a regular file of a bounded size: reading a FIFO would never end. */
async function checkRegularFile(shownPath: string, file: string): Promise<void> {
  const info = await Deno.stat(file);
  if (info.isDirectory) throw new Deno.errors.IsADirectory(file);
  if (!info.isFile) {
    throw new PipelineFileError(shownPath, file, "it is not a regular file (a device or a pipe?)");
  }
  if (info.size > MAX_PIPELINE_BYTES) {
    throw new PipelineFileError(shownPath, file, tooLarge(info.size));
  }
}

/** Options of {@linkcode parsePipeline}. */
export interface ParsePipelineOptions {
  /** Absolute path the text came from. */
  file: string;
  /**
   * The path shown in messages.
   * @default file
   */
  shownPath?: string;
}

/**
 * Parses and validates the text of a YAML or JSON pipeline file, without any I/O.
 *
 * @param text The file's content.
 * @param options Where it came from.
 * @returns The validated pipeline.
 * @throws {PipelineSpecError} With every problem of the text.
 *
 * @example Parsing text
 * ```ts
 * import { parsePipeline } from "./load.ts";
 * const p = parsePipeline("name: demo\ntasks:\n  a: { notebook: a.py, timeout: 90s }\n", {
 *   file: "/tmp/pipeline.yaml",
 * });
 * console.assert(p.spec.tasks.a?.timeout === 90 && p.baseDir === "/tmp");
 * ```
 */
export function parsePipeline(text: string, options: ParsePipelineOptions): LoadedPipeline {
  const shownPath = options.shownPath ?? options.file;
  const lineCounter = new LineCounter();
  if (text.length > MAX_PIPELINE_BYTES) {
    throw new PipelineFileError(shownPath, options.file, tooLarge(text.length));
  }
  const { doc, problems } = parseYaml(text, { lineCounter });
  if (problems.length > 0) {
    throw new PipelineSpecError(
      shownPath,
      options.file,
      problems.map((p) => {
        const pos = lineCounter.linePos(p.offset);
        return { path: "", line: pos.line, column: pos.col, message: p.message };
      }),
    );
  }
  const positions = new SourcePositions(doc.contents, lineCounter);
  const locate = (p: DataPath, at?: PointAt) => positions.locate(p, at);
  let raw: unknown;
  try {
    raw = yamlToJs(doc);
  } catch (err) {
    throw new PipelineSpecError(shownPath, options.file, [{
      path: "",
      line: undefined,
      column: undefined,
      message: `invalid YAML: ${err instanceof Error ? err.message : String(err)}`,
    }], { cause: err });
  }
  if (raw === null || raw === undefined) {
    throw new PipelineSpecError(shownPath, options.file, [{
      path: "",
      line: 1,
      column: 1,
      message: "the file is empty; a pipeline needs at least name and tasks",
    }]);
  }
  return validate(raw, options.file, { shownPath, locate });
}

/**
 * Validates pipeline data (already parsed from any source) with the pipeline schema.
 *
 * @param raw The data.
 * @param file Absolute path of the file it came from.
 * @param source Source positions, for messages.
 * @returns The validated pipeline.
 * @throws {PipelineSpecError} With every problem of the data.
 */
export function validate(raw: unknown, file: string, source: PipelineSource): LoadedPipeline {
  const result = PipelineSpecSchema.safeParse(raw);
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues, raw, source.locate);
    throw new PipelineSpecError(source.shownPath, file, problems, { cause: result.error });
  }
  return { file, baseDir: dirname(file), spec: result.data, source };
}

async function loadModule(shownPath: string, file: string): Promise<LoadedPipeline> {
  try {
    await Deno.stat(file);
  } catch (err) {
    throw fileError(shownPath, file, err);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new PipelineFileError(shownPath, file, `cannot import the module: ${why}`, {
      cause: err,
    });
  }
  if (!("default" in mod) || mod.default === undefined) {
    throw new PipelineFileError(
      shownPath,
      file,
      "the module has no default export; write export default definePipeline({ ... })",
    );
  }
  const bad = findBadShape(mod.default);
  if (bad !== undefined) {
    throw new PipelineSpecError(shownPath, file, [{ ...bad, line: undefined, column: undefined }]);
  }
  return validate(mod.default, file, { shownPath, locate: () => undefined });
}

function fileError(shownPath: string, file: string, err: unknown): Error {
  if (err instanceof PipelineFileError) return err;
  if (err instanceof Deno.errors.NotFound) {
    return new PipelineFileError(shownPath, file, "no such file", { cause: err });
  }
  if (err instanceof Deno.errors.IsADirectory) {
    return new PipelineFileError(shownPath, file, "it is a folder, not a pipeline file", {
      cause: err,
    });
  }
  if (err instanceof Deno.errors.FilesystemLoop) {
    return new PipelineFileError(shownPath, file, "it is a loop of symbolic links", {
      cause: err,
    });
  }
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    return err;
  }
  if (err instanceof TypeError && /invalid data|utf-8/i.test(err.message)) {
    return new PipelineFileError(shownPath, file, "the file is not UTF-8 text", { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function tooLarge(bytes: number): string {
  return `the file is ${(bytes / 1e6).toFixed(1)} MB, more than the ` +
    `${MAX_PIPELINE_BYTES / 1e6} MB a pipeline file may hold`;
}
