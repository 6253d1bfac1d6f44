/**
 * A tiny snapshot helper for the GitHub integration tests: compares text with a file under
 * `tests/fixtures/github/snapshots/`; `UPDATE_SNAPSHOTS=1 deno test ...` rewrites the files.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { assertEquals } from "./_deps.ts";

const DIR = fileURLToPath(new URL("./fixtures/github/snapshots/", import.meta.url));

/**
 * Asserts that `actual` equals the stored snapshot `name` (or stores it when updating).
 *
 * @param name File name of the snapshot, e.g. `summary-failed.md`.
 * @param actual The generated text, already normalised (no temp paths, no clock).
 */
export async function assertTextSnapshot(name: string, actual: string): Promise<void> {
  const path = `${DIR}${name}`;
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    await Deno.mkdir(DIR, { recursive: true });
    await Deno.writeTextFile(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(
      `Cannot compare with snapshot '${name}': ${String(err)}. ` +
        "Create it with UPDATE_SNAPSHOTS=1 deno test -A <this test>.",
      { cause: err },
    );
  }
  assertEquals(actual, expected, `output differs from snapshot ${name}`);
}
