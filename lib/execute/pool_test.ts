import { assertEquals, assertRejects, assertThrows } from "../../tests/_deps.ts";
import { Pool, PoolAbortedError } from "./pool.ts";

Deno.test("Pool gives a freed slot to the waiter with the lowest priority first", async () => {
  const pool = new Pool(1);
  const release = await pool.acquire(0);
  const order: number[] = [];
  const waiters = [5, 1, 3].map((p) => pool.acquire(p).then((r) => (order.push(p), r())));
  release();
  await Promise.all(waiters);
  assertEquals(order, [1, 3, 5]);
  assertEquals(pool.free, 1);
});

Deno.test("Pool stops a waiter whose signal aborts and keeps the slot count right", async () => {
  const pool = new Pool(1);
  const release = await pool.acquire(0);
  const stop = new AbortController();
  const waiting = pool.acquire(0, stop.signal);
  stop.abort();
  await assertRejects(() => waiting, PoolAbortedError);
  release();
  release(); // a second call is ignored
  assertEquals(pool.free, 1);
  await assertRejects(() => pool.acquire(0, stop.signal), PoolAbortedError);
  assertThrows(() => new Pool(0), RangeError, "whole number >= 1");
});
