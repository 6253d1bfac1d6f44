/**
 * Reads an attempt's `values.jsonl` (written by the notebook's `pynb_dag_runner` module) into the
 * values, metrics and artifacts of a task record. The file comes from user code, so every line is
 * validated and an artifact path that leaves the attempt folder is refused.
 *
 * @module
 */
import { join, posix } from "node:path";
import { ATTEMPT_LAYOUT } from "./layout.ts";
import type { JsonValue } from "../_base/json.ts";
import { entryInside, readFileInside, UnsafeEntryError, unsafeRel } from "../_base/safe_tree.ts";
import { attrNumber, attrString, type FlatSpan } from "./spans/otlp_read.ts";
import { type Artifact, type Metric, type ValueLine, ValueLineSchema } from "./schema.ts";
import { SPAN } from "./spans/span_schema.ts";

/** The logged data of one attempt. */
export interface AttemptValues {
  /** Valid lines, artifact paths made relative to the run folder. */
  lines: ValueLine[];
  /** Values by name (a later line with the same name wins). */
  values: Record<string, JsonValue>;
  /** Metrics in logging order. */
  metrics: Metric[];
  /** Artifacts, paths relative to the run folder. */
  artifacts: Artifact[];
  /** Lines that were refused, as `values.jsonl line N: why`. */
  warnings: string[];
}

/**
 * Folds value lines into values, metrics and artifacts.
 *
 * @param lines Valid lines, artifact paths already relative to the run folder.
 * @returns Values by name, metrics in order, artifacts by name (the last one wins).
 *
 * @example Folding lines
 * ```ts
 * import { foldValueLines } from "./values.ts";
 * const got = foldValueLines([
 *   { kind: "value", name: "n", value: 3, timestamp: "2026-11-27T04:00:00Z" },
 *   { kind: "metric", name: "acc", value: 0.9, step: null, timestamp: "2026-11-27T04:00:01Z" },
 * ]);
 * console.assert(got.values.n === 3 && got.metrics[0]?.value === 0.9);
 * ```
 */
export function foldValueLines(
  lines: ValueLine[],
): Pick<AttemptValues, "values" | "metrics" | "artifacts"> {
  const values: Record<string, JsonValue> = {};
  const metrics: Metric[] = [];
  const artifacts = new Map<string, Artifact>();
  for (const line of lines) {
    if (line.kind === "value") values[line.name] = line.value;
    else if (line.kind === "metric") {
      metrics.push({
        name: line.name,
        value: line.value,
        step: line.step,
        timestamp: line.timestamp,
      });
    } else {
      const artifact: Artifact = {
        name: line.name,
        path: line.path,
        size: line.size,
        sha256: line.sha256,
      };
      if (line.mediaType !== undefined) artifact.mediaType = line.mediaType;
      artifacts.set(line.name, artifact);
    }
  }
  return { values, metrics, artifacts: [...artifacts.values()] };
}

/**
 * Reads and validates an attempt's `values.jsonl`. A missing file means nothing was logged.
 *
 * @param runFolder The run folder.
 * @param attemptRel The attempt folder, relative to the run folder (`tasks/<slug>/attempt-1`).
 * @returns The valid lines and what they add up to; refused lines as warnings.
 *
 * @example Reading an attempt's values
 * ```ts ignore
 * import { readAttemptValues } from "./values.ts";
 * const got = await readAttemptValues("runs/r1", "tasks/train/attempt-1");
 * console.log(got.metrics);
 * ```
 */
export async function readAttemptValues(
  runFolder: string,
  attemptRel: string,
): Promise<AttemptValues> {
  let text = "";
  const lines: ValueLine[] = [];
  const warnings: string[] = [];
  const root = join(runFolder, attemptRel);
  try {
    const bytes = await readFileInside(root, ATTEMPT_LAYOUT.values);
    text = bytes === undefined ? "" : new TextDecoder().decode(bytes);
  } catch (err) {
    if (!(err instanceof UnsafeEntryError)) throw err;
    warnings.push(`${attemptRel}/${ATTEMPT_LAYOUT.values}: ${err.why}, not read`);
  }
  for (const [i, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${attemptRel}/values.jsonl line ${i + 1}`;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      warnings.push(`${where}: not JSON, ignored`);
      continue;
    }
    const parsed = ValueLineSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      warnings.push(`${where}: ${issue?.path.join(".")}: ${issue?.message}, ignored`);
      continue;
    }
    const line = parsed.data;
    if (line.kind === "artifact") {
      const normal = posix.normalize(line.path);
      if (
        !normal.startsWith("artifacts/") || posix.isAbsolute(normal) || normal.includes("\\")
      ) {
        warnings.push(`${where}: artifact path ${JSON.stringify(line.path)} leaves artifacts/`);
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(line.sha256)) {
        warnings.push(`${where}: artifact ${JSON.stringify(line.name)} has no sha256, ignored`);
        continue;
      }
      // Only a file the attempt folder holds is an artifact (run.json lists nothing else).
      const found = await entryInside(root, normal).catch(() => undefined);
      if (found?.kind !== "file") {
        warnings.push(
          `${where}: artifact ${JSON.stringify(line.name)} is not a file there, ignored`,
        );
        continue;
      }
      lines.push({ ...line, path: `${attemptRel}/${normal}` });
    } else {
      lines.push(line);
    }
  }
  return { lines, warnings, ...foldValueLines(lines) };
}

/**
 * The value lines an attempt span records as events (what its `values.jsonl` held), for a run
 * rebuilt from its spans.
 *
 * @param span An attempt span.
 * @returns Its value, metric and artifact lines, in order.
 *
 * @example A span without events
 * ```ts ignore
 * valueLinesOfSpan(attemptSpan); // []
 * ```
 */
export function valueLinesOfSpan(span: FlatSpan): ValueLine[] {
  const A = SPAN.attr;
  const str = attrString;
  const num = attrNumber;
  const lines: ValueLine[] = [];
  for (const e of span.events) {
    const timestamp = e.time.toISOString();
    const name = str(
      e.attributes[A.valueName] ?? e.attributes[A.metricName] ??
        e.attributes[A.artifactName],
    );
    if (name === undefined) continue;
    if (e.name === SPAN.event.value) {
      try {
        const value = JSON.parse(str(e.attributes[A.valueJson]) ?? "null") as JsonValue;
        lines.push({ kind: "value", name, value, timestamp });
      } catch { /* a value that is not JSON is left out */ }
    } else if (e.name === SPAN.event.metric) {
      const value = num(e.attributes[A.metricValue]);
      if (value === undefined) continue;
      lines.push({
        kind: "metric",
        name,
        value,
        step: num(e.attributes[A.metricStep]) ?? null,
        timestamp,
      });
    } else if (e.name === SPAN.event.artifact) {
      const path = str(e.attributes[A.artifactPath]);
      const sha256 = str(e.attributes[A.artifactSha256]);
      const size = num(e.attributes[A.artifactSize]);
      if (path === undefined || sha256 === undefined || size === undefined) continue;
      // A recorded path is data from the run folder: one that climbs out is no artifact.
      if (unsafeRel(path) !== undefined || !/^tasks\/[^/]+\/attempt-\d+\/artifacts\//.test(path)) {
        continue;
      }
      const mediaType = str(e.attributes[A.artifactMediaType]);
      lines.push({
        kind: "artifact",
        name,
        path,
        size,
        sha256,
        timestamp,
        ...(mediaType === undefined ? {} : { mediaType }),
      });
    }
  }
  return lines;
}
