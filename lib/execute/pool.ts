/**
 * A local pool of N slots. Task instances wait for a slot; among the waiting, the one with the
 * lowest priority goes first (the scheduler puts the instance with the longest chain below it
 * first, so a long chain is not starved by a wide fan-out). Slots are handed out a moment after
 * they are asked for or freed, not at once, so that every instance that became ready at the
 * same time competes by priority: the first to run takes the warmest worker.
 *
 * @module
 */

/**
 * Raised to a waiter when its signal aborts before it got a slot.
 *
 * @example Giving up the wait
 * ```ts
 * import { Pool, PoolAbortedError } from "./pool.ts";
 * const pool = new Pool(1);
 * const release = await pool.acquire(0);
 * const stop = new AbortController();
 * const waiting = pool.acquire(0, stop.signal);
 * stop.abort();
 * await waiting.catch((err) => console.assert(err instanceof PoolAbortedError));
 * release();
 * ```
 */
export class PoolAbortedError extends Error {
  /**
   * Creates the error.
   *
   * @param options The abort reason as cause.
   */
  constructor(options?: ErrorOptions) {
    super("Cannot take a pool slot: the wait was aborted", options);
    this.name = "PoolAbortedError";
  }
}

interface Waiter {
  priority: number;
  seq: number;
  grant: () => void;
}

/**
 * A counting semaphore with priorities.
 *
 * @example Running at most two jobs at once
 * ```ts
 * import { Pool } from "./pool.ts";
 * const pool = new Pool(2);
 * let running = 0, most = 0;
 * await Promise.all([0, 1, 2, 3].map((i) =>
 *   pool.run(i, async () => {
 *     most = Math.max(most, ++running);
 *     await new Promise((r) => setTimeout(r, 5));
 *     running--;
 *   })
 * ));
 * console.assert(most === 2);
 * ```
 */
export class Pool {
  #free: number;
  #waiting: Waiter[] = [];
  #seq = 0;
  #dispatching = false;

  /**
   * Creates a pool with all slots free.
   *
   * @param size Number of slots (at least 1).
   * @throws {RangeError} When `size` is not a positive integer.
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot create a pool of ${size} slots: use a whole number >= 1`);
    }
    this.#free = size;
  }

  /** Slots free right now. */
  get free(): number {
    return this.#free;
  }

  /**
   * Waits for a slot.
   *
   * @param priority Lower goes first among waiters (then first come, first served).
   * @param signal Stops waiting when aborted.
   * @returns A function that gives the slot back (call it once).
   * @throws {PoolAbortedError} When `signal` aborts first.
   */
  acquire(priority: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new PoolAbortedError({ cause: signal.reason }));
    const release = this.#releaser();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        seq: this.#seq++,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((w) => w !== waiter);
        reject(new PoolAbortedError({ cause: signal?.reason }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      this.#dispatchSoon();
    });
  }

  /** Hands the free slots to the first waiters once the instances ready now have all asked. */
  #dispatchSoon(): void {
    if (this.#dispatching) return;
    this.#dispatching = true;
    setTimeout(() => {
      this.#dispatching = false;
      while (this.#free > 0 && this.#waiting.length > 0) {
        this.#free--;
        this.#waiting.shift()!.grant();
      }
    }, 0);
  }

  /**
   * Runs `fn` in a slot and gives the slot back when it settles.
   *
   * @param priority Lower goes first among waiters.
   * @param fn The job.
   * @param signal Stops waiting for a slot when aborted.
   * @returns What `fn` returns.
   * @throws {PoolAbortedError} When `signal` aborts before a slot was free.
   */
  async run<T>(priority: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(priority, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#free++;
      if (this.#waiting.length > 0) this.#dispatchSoon();
    };
  }
}
