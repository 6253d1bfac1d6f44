import { assertEquals } from "../../tests/_deps.ts";
import {
  type AttemptEnding,
  cancelledBeforeStart,
  classifyAttempt,
  type DoneEvent,
  driverNotStarted,
  stopRequest,
} from "./attempt_outcome.ts";

const timing = { startedAt: new Date(1000), endedAt: new Date(4000), timeoutSeconds: 3 };
const exited = (code: number): AttemptEnding["exit"] => ({ code, signal: null });
const killed: AttemptEnding["exit"] = { code: 143, signal: "SIGTERM" };
const done = (status: DoneEvent["status"], error?: DoneEvent["error"]): DoneEvent => ({
  type: "done",
  time: 4,
  status,
  ...(error === undefined ? {} : { error }),
});
const cellError = { ename: "ValueError", evalue: "bad", traceback: ["tb"], cellIndex: 2 };

Deno.test("classifyAttempt() tells each way an attempt ends", async (t) => {
  await t.step("succeeded: the driver said so and exited 0", () => {
    assertEquals(
      classifyAttempt({ done: done("succeeded"), exit: exited(0), stderrTail: ["x"] }, timing),
      { status: "succeeded", startedAt: timing.startedAt, endedAt: timing.endedAt, exitCode: 0 },
    );
  });
  await t.step("a cell error: the driver's error record, unchanged", () => {
    const result = classifyAttempt(
      { done: done("failed", cellError), runningCell: 2, exit: exited(1), stderrTail: [] },
      timing,
    );
    assertEquals([result.status, result.error, result.exitCode], ["failed", cellError, 1]);
  });
  await t.step("a notebook or kernel that could not start: the driver's error", () => {
    const error = { ename: "NoSuchKernel", evalue: "Cannot start kernel 'x'", traceback: [] };
    const result = classifyAttempt(
      { done: done("error", error), exit: exited(1), stderrTail: [] },
      timing,
    );
    assertEquals([result.status, result.error], ["failed", error]);
  });
  await t.step("the kernel died: where, why, and the end of stderr", () => {
    const result = classifyAttempt({
      done: done("kernel_died", { ename: "DeadKernelError", evalue: "Kernel died", traceback: [] }),
      runningCell: 4,
      exit: exited(1),
      stderrTail: ["segfault"],
    }, timing);
    assertEquals(result.status, "failed");
    assertEquals(result.error, {
      ename: "KernelDied",
      evalue: "The kernel died (it was running cell 4): Kernel died; a kernel dies from " +
        "os._exit(), a crash in native code, or running out of memory",
      traceback: ["segfault"],
      cellIndex: 4,
    });
  });
  await t.step("the kernel died without a word from it", () => {
    const result = classifyAttempt(
      { done: done("kernel_died"), exit: exited(1), stderrTail: [] },
      timing,
    );
    assertEquals(
      result.error?.evalue.startsWith("The kernel died: the kernel process ended;"),
      true,
    );
    assertEquals(result.error?.cellIndex, undefined);
  });
  await t.step("a timeout wins over what the driver said, and a signal has no exit code", () => {
    const result = classifyAttempt({
      stopReason: "timeout",
      done: done("terminated"),
      runningCell: 1,
      exit: killed,
      stderrTail: [],
    }, timing);
    assertEquals([result.status, result.exitCode], ["timeout", null]);
    assertEquals(result.error, {
      ename: "Timeout",
      evalue: "The notebook did not finish within its timeout of 3 s (it was running cell 1); " +
        "it was stopped",
      traceback: [],
      cellIndex: 1,
    });
  });
  await t.step("cancelled", () => {
    const result = classifyAttempt(
      { stopReason: "cancelled", runningCell: 1, exit: exited(0), stderrTail: [] },
      timing,
    );
    assertEquals([result.status, result.exitCode], ["cancelled", 0]);
    assertEquals(result.error, {
      ename: "Cancelled",
      evalue: "The attempt was cancelled (it was running cell 1)",
      traceback: [],
    });
  });
  await t.step("a driver that exited without saying how the notebook ended", () => {
    const result = classifyAttempt({ exit: exited(3), stderrTail: ["fatal"] }, timing);
    assertEquals(result.error, {
      ename: "DriverFailed",
      evalue: "The notebook driver exited with code 3 before the notebook finished",
      traceback: ["fatal"],
    });
    const signalled = classifyAttempt(
      { runningCell: 0, exit: { code: 137, signal: "SIGKILL" }, stderrTail: [] },
      timing,
    );
    assertEquals(
      signalled.error?.evalue,
      "The notebook driver was killed by SIGKILL before the notebook finished " +
        "(it was running cell 0)",
    );
  });
  await t.step("a 'failed' without an error record is a driver failure", () => {
    const result = classifyAttempt(
      { done: done("failed"), exit: exited(1), stderrTail: [] },
      timing,
    );
    assertEquals(result.error?.ename, "DriverFailed");
  });
});

Deno.test("cancelledBeforeStart() and driverNotStarted() have no exit code", () => {
  const cancelled = cancelledBeforeStart(timing.startedAt, timing.endedAt);
  assertEquals([cancelled.status, cancelled.exitCode, cancelled.error?.ename], [
    "cancelled",
    null,
    "Cancelled",
  ]);
  const failed = driverNotStarted("Cannot start the notebook driver with 'py': gone", timing);
  assertEquals([failed.status, failed.exitCode, failed.error?.evalue], [
    "failed",
    null,
    "Cannot start the notebook driver with 'py': gone",
  ]);
});

Deno.test("stopRequest() names the reason for the driver and the notebook", () => {
  assertEquals(stopRequest("timeout", 60), {
    stop: "timeout",
    ename: "Timeout",
    message: "pynb-dag-runner stopped the notebook: it did not finish within its timeout of 60 s",
  });
  assertEquals(stopRequest("cancelled", 60), {
    stop: "cancelled",
    ename: "Cancelled",
    message: "pynb-dag-runner stopped the notebook: the run was cancelled",
  });
});
