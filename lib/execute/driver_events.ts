/**
 * The events the Python driver (`driver.py`) writes on its stdout, one JSON object per line,
 * validated here with zod. Unknown fields are dropped, so a newer driver stays readable.
 *
 * @module
 */
import { z } from "../../deps.ts";

const base = { time: z.number() };
const ErrorSchema = z.object({
  ename: z.string(),
  evalue: z.string(),
  traceback: z.array(z.string()),
  cellIndex: z.number().int().optional(),
});

/** The error of a failed notebook, as the driver reports it. */
export interface DriverError {
  ename: string;
  evalue: string;
  traceback: string[];
  cellIndex?: number | undefined;
}

/**
 * One event of the driver, a union on `type`; `time` is the driver's clock (seconds since the
 * epoch).
 */
export type DriverEvent =
  | { type: "ready"; time: number; pid: number; subreaper: boolean }
  | {
    type: "started";
    time: number;
    pid: number;
    pgid: number;
    python: string;
    nbclient: string;
    cellCount: number;
    codeCellCount: number;
  }
  | {
    type: "kernel_started";
    time: number;
    pid: number | null;
    pgid: number | null;
    kernel: string;
    /** Forked from a warm zygote rather than spawned. */
    forked?: boolean | undefined;
  }
  | {
    /** A persistent driver's zygote started a kernel ahead of the next attempt (in a session of its own). */
    type: "spare";
    time: number;
    pid: number;
  }
  | { type: "cell_started"; time: number; cellIndex: number; codeCellNumber: number | null }
  | {
    type: "stream";
    time: number;
    cellIndex: number;
    name: string;
    text: string;
    truncated: boolean;
    chars: number;
  }
  | { type: "display"; time: number; cellIndex: number; outputType: string; mimeTypes: string[] }
  | {
    type: "cell_error";
    time: number;
    cellIndex: number;
    ename: string;
    evalue: string;
    traceback: string[];
  }
  | { type: "cell_done"; time: number; cellIndex: number; status: string; durationSeconds: number }
  | {
    type: "done";
    time: number;
    status: "succeeded" | "failed" | "kernel_died" | "error" | "terminated";
    error?: DriverError | null | undefined;
    reason?: string | undefined;
    /** `sys.exit(0)` ended the notebook early, successfully, in this cell. */
    exitedEarly?: { cellIndex: number; cellsNotRun: number } | undefined;
  };

/** Validates one event of the driver: a discriminated union on `type`. */
export const DriverEventSchema: z.ZodType<DriverEvent> = z.discriminatedUnion("type", [
  /** A persistent driver (`--serve`) waits for notebooks; `subreaper`: processes cannot escape. */
  z.object({
    type: z.literal("ready"),
    ...base,
    pid: z.number().int(),
    subreaper: z.boolean(),
  }),
  /** The driver runs: its pid and process group, the notebook's cell counts. */
  z.object({
    type: z.literal("started"),
    ...base,
    pid: z.number().int(),
    pgid: z.number().int(),
    python: z.string(),
    nbclient: z.string(),
    cellCount: z.number().int(),
    codeCellCount: z.number().int(),
  }),
  /** The kernel process started, in a process group (and session) of its own. */
  z.object({
    type: z.literal("kernel_started"),
    ...base,
    pid: z.number().int().nullable(),
    pgid: z.number().int().nullable(),
    kernel: z.string(),
    forked: z.boolean().optional(),
  }),
  /** A kernel started ahead of the next attempt, waiting for it, in a session of its own. */
  z.object({ type: z.literal("spare"), ...base, pid: z.number().int() }),
  /** A code cell is sent to the kernel. `codeCellNumber` counts code cells from 1. */
  z.object({
    type: z.literal("cell_started"),
    ...base,
    cellIndex: z.number().int(),
    codeCellNumber: z.number().int().nullable(),
  }),
  /** Text printed by a cell (the last 2000 characters of one message). */
  z.object({
    type: z.literal("stream"),
    ...base,
    cellIndex: z.number().int(),
    name: z.string(),
    text: z.string(),
    truncated: z.boolean(),
    chars: z.number().int(),
  }),
  /** A rich output (display or result), summarised by its media types. */
  z.object({
    type: z.literal("display"),
    ...base,
    cellIndex: z.number().int(),
    outputType: z.string(),
    mimeTypes: z.array(z.string()),
  }),
  /** A cell raised an exception. */
  z.object({
    type: z.literal("cell_error"),
    ...base,
    cellIndex: z.number().int(),
    ename: z.string(),
    evalue: z.string(),
    traceback: z.array(z.string()),
  }),
  /** A cell finished (`status` is the kernel's: `ok`, `error` or `aborted`). */
  z.object({
    type: z.literal("cell_done"),
    ...base,
    cellIndex: z.number().int(),
    status: z.string(),
    durationSeconds: z.number(),
  }),
  /**
   * The notebook ended: `succeeded`, `failed` (cell error), `kernel_died`, `error` (the
   * notebook or kernel could not be started) or `terminated` (signal, or the runner went away).
   */
  z.object({
    type: z.literal("done"),
    ...base,
    status: z.enum(["succeeded", "failed", "kernel_died", "error", "terminated"]),
    error: ErrorSchema.nullable().optional(),
    reason: z.string().optional(),
    exitedEarly: z.object({ cellIndex: z.number().int(), cellsNotRun: z.number().int() })
      .optional(),
  }),
]);

/**
 * Parses one line of the driver's stdout.
 *
 * @param line One line, without its newline.
 * @returns The event, or `undefined` when the line is not a valid event.
 *
 * @example Parsing a cell start
 * ```ts
 * import { parseDriverEvent } from "./driver_events.ts";
 * const event = parseDriverEvent('{"type":"cell_started","time":1,"cellIndex":2,"codeCellNumber":1}');
 * console.assert(event?.type === "cell_started" && event.cellIndex === 2);
 * ```
 */
export function parseDriverEvent(line: string): DriverEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = DriverEventSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
