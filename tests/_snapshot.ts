/**
 * A small snapshot helper (Deno std's `assertSnapshot` cannot be installed here).
 *
 * `await assertSnapshot(t, value)` compares `value` with the entry named after the test and its
 * steps in `__snapshots__/<test file>.snap` next to the test file. Run the tests with
 * `UPDATE_SNAPSHOTS=1` to write the entries. Strings are stored as they are; other values as
 * pretty JSON. Mask temporary paths and clocks before calling.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals } from "./_deps.ts";

/** Snapshot files read or written during this process, by path. */
const files = new Map<string, Map<string, string>>();
/** How many snapshots each test name has taken so far, to number them. */
const counters = new Map<string, number>();

/**
 * Asserts that `value` equals its stored snapshot, or stores it when `UPDATE_SNAPSHOTS=1`.
 *
 * @param t The test context (of a test or a step).
 * @param value A string, or any JSON-serialisable value.
 */
export async function assertSnapshot(t: Deno.TestContext, value: unknown): Promise<void> {
  const names: string[] = [];
  for (let c: Deno.TestContext | undefined = t; c !== undefined; c = c.parent) {
    names.unshift(c.name);
  }
  const base = names.join(" > ");
  const n = (counters.get(base) ?? 0) + 1;
  counters.set(base, n);
  const key = `${base} ${n}`;
  const path = snapshotPath(t.origin);
  const entries = await readEntries(path);
  const actual = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    entries.set(key, actual);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, serialize(entries));
    return;
  }
  const expected = entries.get(key);
  if (expected === undefined) {
    throw new Error(
      `Cannot compare with snapshot [${key}]: it is not in ${basename(path)}; create it with ` +
        "UPDATE_SNAPSHOTS=1 deno test -A <this test>",
    );
  }
  assertEquals(actual, expected, `snapshot [${key}] differs`);
}

function snapshotPath(origin: string): string {
  const file = fileURLToPath(origin);
  return join(dirname(file), "__snapshots__", `${basename(file)}.snap`);
}

async function readEntries(path: string): Promise<Map<string, string>> {
  const cached = files.get(path);
  if (cached !== undefined) return cached;
  const entries = new Map<string, string>();
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (
    const m of text.matchAll(/^snapshot\[`((?:[^`\\]|\\.)*)`\] = `\n((?:[^`\\]|\\.)*)\n`;$/gms)
  ) {
    entries.set(unescape(m[1]!), unescape(m[2]!));
  }
  files.set(path, entries);
  return entries;
}

function serialize(entries: Map<string, string>): string {
  const keys = [...entries.keys()].sort();
  return "export const snapshot = {};\n\n" +
    keys.map((k) => `snapshot[\`${escape(k)}\`] = \`\n${escape(entries.get(k)!)}\n\`;\n`).join(
      "\n",
    );
}

function escape(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gs, "$1");
}
