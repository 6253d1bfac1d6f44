/**
 * The notebook API of pynb-dag-runner for TypeScript notebooks (Deno's kernel): log values,
 * metrics, artifacts and figures, and read what upstream tasks logged. It writes what the Python
 * module `pynb_dag_runner` writes (one JSON line per call in `values.jsonl`, artifacts under
 * `artifacts/<name>` of the attempt's folder), so Python and TypeScript tasks read each other's
 * results.
 *
 * ```ts ignore
 * import * as pdr from "pynb_dag_runner";
 * pdr.logValue("n_rows", 70000);
 * pdr.logMetric("loss", 0.12, 3);
 * pdr.logArtifact("report.md", "# Report");
 * pdr.logFigure("chart.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
 * for (const up of pdr.upstream("train-model")) console.log(up.matrix, up.values.accuracy);
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** What one upstream task instance logged. */
export interface Upstream {
  /** Instance id, e.g. `train-model[nr_train_images=600]`. */
  id: string;
  /** Task name. */
  task: string;
  /** The instance's matrix values. */
  matrix: Record<string, JsonValue>;
  /** Logged values by name. */
  values: Record<string, JsonValue>;
  /** Logged metrics in logging order. */
  metrics: { name: string; value: number; step: number | null }[];
  /** Logged artifacts by name, as absolute paths of readable files. */
  artifacts: Record<string, string>;
}

/** A value or artifact cannot be logged: not JSON, a bad name, a name used twice. */
export class PynbDagRunnerError extends Error {
  /** @param message What is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "PynbDagRunnerError";
  }
}

const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  svg: "image/svg+xml",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  json: "application/json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
};
const valueNames = new Set<string>();
const artifactNames = new Set<string>();

function attemptDir(): string {
  const dir = Deno.env.get("PYNB_ATTEMPT_DIR");
  if (dir) return dir;
  const local = `${Deno.cwd()}/.pynb-dag-runner-local/${
    new Date().toISOString().replace(/[:.]/g, "-")
  }`;
  Deno.mkdirSync(local, { recursive: true });
  Deno.env.set("PYNB_ATTEMPT_DIR", local);
  console.warn(`pynb_dag_runner: not running inside pynb-dag-runner; logging to '${local}'`);
  return local;
}

function append(line: Record<string, JsonValue>): void {
  const data = new TextEncoder().encode(JSON.stringify(line) + "\n");
  // One write on an O_APPEND descriptor: a reader never sees half a line.
  using file = Deno.openSync(`${attemptDir()}/values.jsonl`, { append: true, create: true });
  for (let done = 0; done < data.length;) done += file.writeSync(data.subarray(done));
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== "string" || !name.trim()) {
    throw new PynbDagRunnerError(
      `Cannot log ${kind}: its name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function claim(names: Set<string>, kind: string, name: string): void {
  if (names.has(name)) {
    throw new PynbDagRunnerError(
      `Cannot log ${kind} '${name}': a ${kind} with this name was already logged by this task; ` +
        `every ${kind} name must be unique (use logMetric() for a series of numbers)`,
    );
  }
  names.add(name);
}

function nonJson(value: unknown, where: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : `${where} is ${value}, which JSON cannot hold`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonJson(value[i], `${where}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const found = nonJson(v, `${where}[${JSON.stringify(k)}]`);
      if (found) return found;
    }
    return undefined;
  }
  return `${where} is ${typeof value === "object" ? value.constructor?.name : typeof value}, ` +
    "not JSON; log numbers, strings, booleans, null, or arrays and plain objects of them";
}

function now(): string {
  return new Date().toISOString();
}

/**
 * Logs a named JSON value.
 *
 * @param name The value's name.
 * @param value A number, string, boolean, null, or arrays and plain objects of them.
 * @throws {PynbDagRunnerError} The name is empty or used twice, or the value is not JSON.
 */
export function logValue(name: string, value: JsonValue): void {
  checkName("value", name);
  const problem = nonJson(value, "value");
  if (problem) throw new PynbDagRunnerError(`Cannot log value '${name}': ${problem}`);
  claim(valueNames, "value", name);
  append({ kind: "value", name, value, timestamp: now() });
}

/**
 * Logs one point of a numeric metric; call it again with the same name for a series.
 *
 * @param name The metric's name.
 * @param value A finite number.
 * @param step The step (epoch, iteration) of the point. @default null
 * @throws {PynbDagRunnerError} The name is empty, or the value or step is not a finite number.
 */
export function logMetric(name: string, value: number, step?: number): void {
  checkName("metric", name);
  for (const [what, n] of [["value", value], ["step", step ?? 0]] as const) {
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new PynbDagRunnerError(
        `Cannot log metric '${name}': its ${what} must be a finite number`,
      );
    }
  }
  append({ kind: "metric", name, value, step: step ?? null, timestamp: now() });
}

function checkArtifactName(name: string): void {
  checkName("artifact", name);
  const parts = name.split("/");
  if (
    name.startsWith("/") || name.includes("\\") || name.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new PynbDagRunnerError(
      `Cannot log artifact ${JSON.stringify(name)}: the name must be a relative path inside the ` +
        "artifacts folder (like 'model.json' or 'plots/roc.svg'), without '..', '.' or empty parts",
    );
  }
}

/**
 * Stores text (as UTF-8) or bytes as a named artifact of this task.
 *
 * @param name Relative file name inside the artifacts folder; its extension sets the media type.
 * @param content The text or the bytes.
 * @returns The path of the stored artifact.
 * @throws {PynbDagRunnerError} The name is not a relative path or is used twice.
 */
export function logArtifact(name: string, content: string | Uint8Array): string {
  checkArtifactName(name);
  if (typeof content !== "string" && !(content instanceof Uint8Array)) {
    throw new PynbDagRunnerError(
      `Cannot log artifact '${name}': content must be a string or a Uint8Array`,
    );
  }
  claim(artifactNames, "artifact", name);
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const folder = `${attemptDir()}/artifacts`;
  const target = `${folder}/${name}`;
  Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  const real = Deno.realPathSync(folder);
  if (!Deno.realPathSync(target.slice(0, target.lastIndexOf("/"))).startsWith(real)) {
    throw new PynbDagRunnerError(
      `Cannot log artifact '${name}': its folder is a link out of the artifacts folder`,
    );
  }
  const tmp = `${target}.tmp-${Deno.pid}`;
  Deno.writeFileSync(tmp, bytes, { createNew: true });
  Deno.renameSync(tmp, target);
  const line: Record<string, JsonValue> = {
    kind: "artifact",
    name,
    path: `artifacts/${name}`,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
  const media = MEDIA_TYPES[name.slice(name.lastIndexOf(".") + 1).toLowerCase()];
  if (media && name.includes(".")) line.mediaType = media;
  line.timestamp = now();
  append(line);
  return target;
}

/**
 * Stores a figure: SVG text (`.svg` is added to the name if missing) or PNG bytes (`.png`).
 *
 * @param name The artifact's name.
 * @param figure The SVG document, or the PNG file's bytes.
 * @returns The path of the stored figure.
 * @throws {PynbDagRunnerError} The figure is neither SVG text nor PNG bytes.
 */
export function logFigure(name: string, figure: string | Uint8Array): string {
  const png = figure instanceof Uint8Array && figure[0] === 0x89 && figure[1] === 0x50;
  if (typeof figure === "string" ? !/<svg[\s>]/.test(figure) : !png) {
    throw new PynbDagRunnerError(`Cannot log figure '${name}': expected SVG text or PNG bytes`);
  }
  const ext = typeof figure === "string" ? ".svg" : ".png";
  return logArtifact(name.toLowerCase().endsWith(ext) ? name : name + ext, figure);
}

/**
 * The results of the upstream instances of `task`: one entry per instance (several for a matrix
 * task), in the order of the plan.
 *
 * @param task The upstream task's name.
 * @returns What each instance logged.
 * @throws {PynbDagRunnerError} `task` is not an upstream task of this task.
 */
export function upstream(task: string): Upstream[] {
  const path = Deno.env.get("PYNB_UPSTREAM_FILE");
  const entries: Upstream[] = path ? JSON.parse(Deno.readTextFileSync(path)) : [];
  const found = entries.filter((e) => e.task === task);
  if (found.length > 0) return found;
  const known = [...new Set(entries.map((e) => e.task))].sort();
  throw new PynbDagRunnerError(
    `Cannot read upstream task '${task}': it is not an upstream task of this task (upstream ` +
      `tasks: ${
        known.length ? known.join(", ") : "none"
      }); add it to \`needs:\` in the pipeline file`,
  );
}
