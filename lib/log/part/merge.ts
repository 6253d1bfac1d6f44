/**
 * Merges the parts of one run (run folders written by `run --only ... --run-id`, one per Slurm
 * or GitHub Actions job) into one run folder that reads exactly like a local run: one trace, the
 * task spans re-parented under one run span, links between instances kept, instances that never
 * ran derived as skipped or cancelled, `run.json` recomputed from the spans.
 *
 * Merging is idempotent and order-independent: the output depends only on the set of spans, and
 * a merged run can be merged again with more parts.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import type { SpanContext } from "../../../deps/otel.ts";
import { type FlatSpan, parseSpansJsonl } from "../spans/otlp_read.ts";
import {
  chooseRecords,
  type Chosen,
  MergeError,
  type Part,
  readPart,
  reparent,
} from "./_read_parts.ts";
import { summaryFromSpans } from "../spans/rebuild.ts";
import { derivedSpanId, derivedTraceId } from "../spans/span_ids.ts";
import { type SpanInstance, SpanLog } from "../spans/spans.ts";
import type { RunStatus, RunSummary, TaskStatus } from "../schema.ts";
import { type PlanSpanInstance, SPAN } from "../spans/span_schema.ts";
import { writeRunSummary } from "../write_summary.ts";
import { RUN_LAYOUT, runPath, unsafeRelPath } from "../layout.ts";
import { copyTreeInside, entryInside, UnsafeEntryError } from "../../_base/safe_tree.ts";

const A = SPAN.attr;

export { MergeError };

/** What {@linkcode mergeRunParts} wrote. */
export interface MergeResult {
  /** The merged run folder, `<out>/<run id>`. */
  folder: string;
  /** Its `run.json`. */
  summary: RunSummary;
  /** Entries of the parts left out: links and special files, one sentence each. */
  warnings: string[];
}

/**
 * Merges part folders of one run into `<out>/<run id>/`. A merged folder already there is
 * merged too (nothing recorded is lost) and then replaced.
 *
 * @param parts Part folders: run folders of the same run id and pipeline.
 * @param out The folder that receives the merged run folder.
 * @returns The merged folder and its summary.
 * @throws {MergeError} When a part is not a run folder, or parts belong to different runs or
 *   pipelines, or disagree on the plan.
 *
 * @example Merging the parts of a run
 * ```ts ignore
 * import { mergeRunParts } from "./merge.ts";
 * const { folder, summary } = await mergeRunParts(["parts/a/r1", "parts/b/r1"], "runs");
 * console.log(folder, summary.status);
 * ```
 */
export async function mergeRunParts(parts: string[], out: string): Promise<MergeResult> {
  if (parts.length === 0) throw new MergeError([], "no part folder was given");
  const read = await Promise.all([...new Set(parts.map((p) => resolve(p)))].map(readPart));
  const runId = agree(read, (p) => p.summary.runId, "they are parts of different runs");
  agree(read, (p) => p.summary.pipeline.name, "they are parts of different pipelines");
  const target = resolve(out, runId);
  const merged = await Deno.stat(join(target, RUN_LAYOUT.spans)).then(() => true, () => false);
  if (!read.some((p) => p.folder === target) && merged) {
    read.push(await readPart(target));
  }
  read.sort((a, b) => a.folder.localeCompare(b.folder));
  const plan = unionPlan(read);
  const warnings = read.flatMap((p) => p.warnings);
  const chosen = chooseRecords(read, warnings);
  warnings.push(...await missingNotebooks(chosen));

  await Deno.mkdir(resolve(out), { recursive: true });
  const temp = join(resolve(out), `.${runId}.merge-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.mkdir(temp);
  try {
    for (const [, c] of chosen) warnings.push(...await copySlug(c.part.folder, temp, c.task.flat));
    const summary = await writeMerged(temp, runId, read, plan, chosen);
    await replaceFolder(temp, target);
    return { folder: target, summary, warnings };
  } catch (err) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw err;
  }
}

/**
 * Adds one part to a run folder that is being assembled while its parts end (the Slurm
 * executor): copies its instance folders and appends its task and attempt spans, moved into the
 * run's trace. {@linkcode mergeRunParts} on the run folder then finishes it.
 *
 * @param runFolder The run folder being assembled (its `spans.jsonl` exists).
 * @param part A part folder of the same run.
 * @returns The records of the instances the part ran, as its spans tell.
 * @throws {MergeError} When the part is not a run folder or belongs to another run.
 *
 * @example Adding a part as its job ends
 * ```ts ignore
 * import { appendPart } from "./merge.ts";
 * const records = await appendPart("runs/r1", "shared/r1/parts/ingest/r1");
 * console.log(records.map((r) => `${r.id} ${r.status}`));
 * ```
 */
export async function appendPart(runFolder: string, part: string): Promise<RunSummary["tasks"]> {
  const read = await readPart(resolve(part));
  const runId = basename(resolve(runFolder));
  if (read.summary.runId !== runId) {
    throw new MergeError([part], `it is a part of run '${read.summary.runId}', not of '${runId}'`);
  }
  const traceId = derivedTraceId(runId);
  const runSpanId = derivedSpanId(runId, SPAN.runName(read.summary.pipeline.name));
  const warnings = [...read.warnings];
  const chosen = chooseRecords([read], warnings);
  warnings.push(...await missingNotebooks(chosen));
  for (const w of warnings) console.warn(`Warning: ${w}`);
  const lines: string[] = [];
  for (const [, c] of chosen) {
    for (const w of await copySlug(read.folder, resolve(runFolder), c.task.flat)) {
      console.warn(`Warning: ${w}`);
    }
    const taskId = c.task.flat.spanId;
    for (const a of c.attempts) lines.push(reparent(a, traceId, taskId, []));
    const links = c.task.flat.links.map((l) => ({ traceId, spanId: l.spanId, traceFlags: 1 }));
    lines.push(reparent(c.task, traceId, runSpanId, links));
  }
  const text = lines.map((l) => l + "\n").join("");
  await Deno.writeTextFile(join(runFolder, RUN_LAYOUT.spans), text, { append: true });
  return read.summary.tasks.filter((t) => chosen.has(t.id));
}

/** Succeeded instances whose part does not hold the notebook their last attempt records. */
async function missingNotebooks(chosen: Map<string, Chosen>): Promise<string[]> {
  const out: string[] = [];
  for (const [id, c] of chosen) {
    if (c.status !== "succeeded") continue;
    const rel = String(c.attempts.at(-1)?.flat.attributes[A.attemptNotebook] ?? "");
    const found = rel === ""
      ? undefined
      : await entryInside(c.part.folder, rel).catch(() => undefined);
    if (found?.kind !== "file") {
      out.push(
        `instance '${id}' succeeded but '${c.part.folder}' holds no notebook of it` +
          (rel === "" ? "" : ` ('${rel}')`) + ": its record is merged without one",
      );
    }
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => undefined))?.isDirectory ?? false;
}

function agree(parts: Part[], key: (p: Part) => string, why: string): string {
  const values = new Map<string, string[]>();
  for (const p of parts) values.set(key(p), [...(values.get(key(p)) ?? []), p.folder]);
  if (values.size > 1) {
    const list = [...values].map(([v, f]) => `'${v}' (${f.map((x) => basename(x)).join(", ")})`);
    throw new MergeError(parts.map((p) => p.folder), `${why}: ${list.join(" vs ")}`);
  }
  return [...values.keys()][0]!;
}

/** The whole plan, as every part lists it; parts planned differently are refused. */
function unionPlan(parts: Part[]): PlanSpanInstance[] {
  const byId = new Map<string, { inst: PlanSpanInstance; folder: string }>();
  const order: PlanSpanInstance[] = [];
  for (const p of parts) {
    for (const inst of p.plan) {
      const seen = byId.get(inst.id);
      if (seen === undefined) {
        byId.set(inst.id, { inst, folder: p.folder });
        order.push(inst);
      } else if (JSON.stringify(seen.inst) !== JSON.stringify(inst)) {
        throw new MergeError(
          [seen.folder, p.folder],
          `they planned instance '${inst.id}' differently (other parameters or needs); ` +
            "merge only parts run from the same pipeline file and --param flags",
        );
      }
    }
  }
  return order;
}

/**
 * Copies an instance's folder through the untrusted-folder reader: regular files and real
 * folders only, nothing outside the part. A slug that is not one plain folder name is not
 * followed.
 *
 * @returns What was left out, one sentence each.
 */
async function copySlug(from: string, to: string, task: FlatSpan): Promise<string[]> {
  const slug = String(task.attributes[A.taskSlug] ?? "");
  const rel = `${RUN_LAYOUT.tasks}/${slug}`;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(slug) || unsafeRelPath(rel) !== undefined) {
    return [`Cannot copy the instance folder of slug ${JSON.stringify(slug)}: not a plain name`];
  }
  try {
    const refused = await copyTreeInside(from, rel, runPath(to, rel));
    return refused.map((e) => `${e.message}; left out of the merged run`);
  } catch (err) {
    if (!(err instanceof UnsafeEntryError)) throw err;
    return [`${err.message}; the instance's files are left out of the merged run`];
  }
}

function describe(status: TaskStatus): string {
  return status === "failed"
    ? "failed"
    : status === "timeout"
    ? "timed out"
    : status === "skipped"
    ? "was skipped"
    : status === "cancelled"
    ? "was cancelled"
    : status;
}

/** Writes `spans.jsonl` (plan, instances in plan order, run) and `run.json` of the merged run. */
async function writeMerged(
  folder: string,
  runId: string,
  parts: Part[],
  plan: PlanSpanInstance[],
  chosen: Map<string, Chosen>,
): Promise<RunSummary> {
  const first = [...parts].sort((a, b) =>
    a.summary.startedAt.localeCompare(b.summary.startedAt) || a.folder.localeCompare(b.folder)
  )[0]!;
  const s = first.summary;
  const startedAt = new Date(s.startedAt);
  const file = join(folder, RUN_LAYOUT.spans);
  const log = new SpanLog(file, {
    runId,
    pipeline: s.pipeline.name,
    ...(s.pipeline.file === undefined ? {} : { pipelineFile: s.pipeline.file }),
    trigger: s.trigger,
    ...(s.ci === undefined ? {} : { ci: s.ci }),
    parameters: s.parameters,
    startedAt,
  }, { derivedIds: true });
  log.recordPlan(plan, startedAt);
  const traceId = derivedTraceId(runId);
  const runSpanId = derivedSpanId(runId, SPAN.runName(s.pipeline.name));
  const statuses = new Map<string, TaskStatus>();
  const contexts = new Map<string, SpanContext>();
  const ends = new Map<string, Date>();
  const encoder = new TextEncoder();
  for (const inst of plan) {
    const c = chosen.get(inst.id);
    const links = inst.needs.flatMap((n) => contexts.get(n) ?? []);
    if (c !== undefined) {
      const taskId = c.task.flat.spanId;
      const lines = [
        ...c.attempts.map((a) => reparent(a, traceId, taskId, [])),
        reparent(c.task, traceId, runSpanId, links),
      ];
      for (const line of lines) {
        Deno.writeFileSync(file, encoder.encode(line + "\n"), { append: true });
      }
      statuses.set(inst.id, c.status);
      contexts.set(inst.id, { traceId, spanId: taskId, traceFlags: 1 });
      ends.set(inst.id, c.task.flat.end);
      continue;
    }
    const { status, reason } = neverRan(inst, statuses);
    const at = new Date(
      Math.max(startedAt.getTime(), ...inst.needs.map((n) => ends.get(n)?.getTime() ?? 0)),
    );
    const handle = log.startTask(toSpanInstance(inst), at, links);
    log.endTask(handle, { status, reason }, at);
    statuses.set(inst.id, status);
    contexts.set(inst.id, handle.context);
    ends.set(inst.id, at);
  }
  const endedAt = new Date(Math.max(startedAt.getTime(), ...parts.map((p) => p.end.getTime())));
  log.endRun(runStatus([...statuses.values()]), endedAt);
  const spans = parseSpansJsonl(await Deno.readTextFile(file)).spans;
  const summary = summaryFromSpans(spans, runId);
  await writeRunSummary(folder, summary);
  return summary;
}

function toSpanInstance(inst: PlanSpanInstance): SpanInstance {
  return { ...inst, timeoutSeconds: inst.timeoutSeconds };
}

/** An instance no part records: skipped below a failure, else its job was cancelled or lost. */
function neverRan(
  inst: PlanSpanInstance,
  statuses: Map<string, TaskStatus>,
): { status: "skipped" | "cancelled"; reason: string } {
  const bad = inst.needs.find((n) => statuses.get(n) !== "succeeded");
  if (bad === undefined) {
    return {
      status: "cancelled",
      reason: "it never ran: no part of the run records it (its job was cancelled or lost)",
    };
  }
  const status = statuses.get(bad) ?? "cancelled";
  return {
    status: status === "cancelled" ? "cancelled" : "skipped",
    reason: `upstream '${bad}' ${describe(status)}`,
  };
}

/** From the instances alone, so that a merged run merges again to the same status. */
function runStatus(statuses: TaskStatus[]): RunStatus {
  if (statuses.every((s) => s === "succeeded")) return "succeeded";
  if (statuses.some((s) => s === "failed" || s === "timeout" || s === "skipped")) return "failed";
  return "cancelled";
}

/** Puts `temp` in place of `target`, keeping the old folder until the new one is there. */
async function replaceFolder(temp: string, target: string): Promise<void> {
  const old = join(dirname(target), `.${basename(target)}.old-${crypto.randomUUID().slice(0, 8)}`);
  const had = await isDir(target);
  if (had) await Deno.rename(target, old);
  await Deno.rename(temp, target);
  if (had) await Deno.remove(old, { recursive: true });
}
