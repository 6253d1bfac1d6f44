/**
 * A part of a run: a `run --only ... --upstream ... --run-id` of a Slurm or GitHub Actions job
 * runs some of the plan's instances into its own folder; the parts are merged into one run folder
 * afterwards (`merge.ts`). This is what a part is; the executor writes one, the merge reads them.
 *
 * @module
 */
import type { PlannedInstance } from "../../plan/types.ts";
import type { TaskRecord } from "../schema.ts";

/** A record of an instance that ran in another part of the run, and the folder it ran in. */
export interface PartRecord {
  /** Its final record. */
  record: TaskRecord;
  /** The run folder (part) holding its files. */
  runFolder: string;
}

/**
 * This run is one part of a run (`run --only ... --upstream ... --run-id`): the plan's instances
 * are the ones it runs; instances they need outside it ran in other parts.
 */
export interface RunPart {
  /** The whole plan's instances, in topological order: the plan span lists them all. */
  plan: PlannedInstance[];
  /** Records of the instances outside this part that its instances need. */
  upstream: readonly PartRecord[];
}
