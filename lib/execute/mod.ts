/**
 * The executor: the scheduler, instance and attempt runners, the run recorder, the fork server and
 * driver processes that run notebooks in Jupyter kernels.
 *
 * @module
 */
export { executePlan } from "./executor.ts";
export type { ExecuteOptions } from "./executor.ts";
export { localInstanceRunner, recordAttemptFolder, upstreamEntry } from "./instance_runner.ts";
export type {
  AttemptContext,
  AttemptRunner,
  InstanceContext,
  InstanceRunner,
  LocalInstanceRunnerOptions,
  NotebookPreparer,
  RunnerRequest,
  RunnerResult,
  RunObserver,
  UpstreamEntry,
} from "./instance_runner.ts";
export {
  decideStart,
  describeEnd,
  failFastReason,
  INTERRUPTED_REASON,
  Scheduler,
} from "./scheduler.ts";
export type { InstanceWork, SchedulerOptions, StartDecision } from "./scheduler.ts";
export { pendingRecord, RunRecorder, runStatus } from "./run_recorder.ts";
export type { InstanceRecorder, RunRecorderOptions } from "./run_recorder.ts";
export { notebookPreparer, NotebookSources } from "./prepare.ts";
export { localDriverCommand, runAttempt } from "./attempt.ts";
export type {
  AttemptRequest,
  AttemptResult,
  DriverCommand,
  DriverEvent,
  RunAttemptOptions,
} from "./attempt.ts";
export {
  cancelledBeforeStart,
  classifyAttempt,
  driverNotStarted,
  stopRequest,
} from "./attempt_outcome.ts";
export type {
  AttemptEnding,
  AttemptTiming,
  DoneEvent,
  StopReason,
  StopRequest,
} from "./attempt_outcome.ts";
export { ForkServer, prewarmForPlan } from "./fork_server.ts";
export type { ForkServerOptions } from "./fork_server.ts";
export { PersistentDriver } from "./persistent_driver.ts";
export type { ServeListener, ServeOutcome, ServeRequest } from "./persistent_driver.ts";
export { DriverProcess } from "./driver_process.ts";
export type {
  DriverChild,
  DriverExit,
  DriverProcessOptions,
  DriverSpawnOptions,
} from "./driver_process.ts";
export { DriverEventSchema, parseDriverEvent } from "./driver_events.ts";
export { detectPython, PythonNotFoundError } from "./python.ts";
export type { DetectPythonOptions, PythonInfo } from "./python.ts";
export { killProcessSet, listProcesses } from "./process_group.ts";
export type { KillReport, ProcessSet } from "./process_group.ts";
export { Pool, PoolAbortedError } from "./pool.ts";
