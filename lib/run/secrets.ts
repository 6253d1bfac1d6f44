/**
 * The secrets of a run: their values read from the environment once, before anything starts,
 * and the {@linkcode Redactor} that keeps them out of the run folder.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { MIN_SECRET_LENGTH, Redactor } from "../log/redact/redact.ts";
import type { Plan } from "../plan/types.ts";
import { RUN_LAYOUT, runPath } from "../log/layout.ts";

/** The secret values of a run and their redactor. */
export interface RunSecrets {
  /** Values by variable name. */
  values: Record<string, string>;
  /** Replaces every value (and its encoded forms) by `***`. */
  redactor: Redactor;
}

/**
 * Reads the value of every secret the plan's instances name.
 *
 * @param plan The plan.
 * @returns The values and their redactor (inactive when there are none).
 * @throws {UserError} Naming each secret that is unset, empty or too short to redact.
 *
 * @example A plan without secrets
 * ```ts
 * import { readSecrets } from "./secrets.ts";
 * const none = readSecrets({ pipeline: "p", baseDir: ".", parameters: {}, instances: [], layers: [] });
 * console.assert(!none.redactor.active);
 * ```
 */
export function readSecrets(plan: Plan): RunSecrets {
  const users = new Map<string, string>();
  for (const inst of plan.instances) {
    for (const name of inst.secrets ?? []) if (!users.has(name)) users.set(name, inst.task);
  }
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, task] of users) {
    const value = Deno.env.get(name);
    if (value === undefined || value === "") {
      problems.push(`${name} (for task '${task}') is not set`);
    } else if (value.length < MIN_SECRET_LENGTH) {
      problems.push(
        `${name} is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact`,
      );
    } else values[name] = value;
  }
  if (problems.length > 0) {
    throw new UserError(
      `Cannot start the run: secret ${problems.join("; ")}. Set each in the environment of ` +
        `the run (in GitHub Actions: env: { NAME: \${{ secrets.NAME }} }) or remove it from ` +
        `secrets: in '${plan.pipeline}'`,
    );
  }
  return { values, redactor: new Redactor(Object.values(values)) };
}

/**
 * Redacts the run's own files (`spans.jsonl`, `run.json`) once the run has ended. Attempt folders
 * are redacted as each attempt ends; this is the last pass over what was recorded from them.
 *
 * @param runFolder The run folder.
 * @param redactor The run's redactor.
 */
export async function redactRunFiles(runFolder: string, redactor: Redactor): Promise<void> {
  if (!redactor.active) return;
  for (const name of [RUN_LAYOUT.spans, RUN_LAYOUT.summary]) {
    try {
      await redactor.redactFile(runPath(runFolder, name));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}
