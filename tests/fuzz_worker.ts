/**
 * The fuzzer's in-process worker: runs cases `start` to `start + count - 1` through the library
 * and reports each case before it runs, so that the test (on the main thread) can tell which case
 * hangs and stop the worker.
 *
 * @module
 */
import { type Corpus, makeCase, runCase } from "./fuzz_mutate.ts";

/** The job a worker gets. */
export interface FuzzJob {
  seed: number;
  start: number;
  count: number;
  corpus: Corpus;
  /** A case slower than this is reported. */
  slowMs: number;
}

/** What a worker reports. */
export type FuzzMessage =
  | { type: "case"; index: number }
  | { type: "fail"; index: number; error: string }
  | { type: "slow"; index: number; ms: number }
  | { type: "done"; ok: number; refused: number };

const scope = self as unknown as {
  onmessage: (e: MessageEvent<FuzzJob>) => void;
  postMessage: (m: FuzzMessage) => void;
};

scope.onmessage = (e) => {
  const { seed, start, count, corpus, slowMs } = e.data;
  let ok = 0;
  let refused = 0;
  for (let index = start; index < start + count; index++) {
    scope.postMessage({ type: "case", index });
    const began = performance.now();
    try {
      if (runCase(makeCase(seed, index, corpus)) === "ok") ok++;
      else refused++;
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      scope.postMessage({ type: "fail", index, error });
    }
    const ms = performance.now() - began;
    if (ms > slowMs) scope.postMessage({ type: "slow", index, ms });
  }
  scope.postMessage({ type: "done", ok, refused });
};
