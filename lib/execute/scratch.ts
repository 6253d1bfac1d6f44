/**
 * Temporary folders of the runner process (kernel runtime files, caches, downloaded Python files):
 * removed when the process exits, and, for a runner that was killed and could not clean up, by the
 * next runner on the same machine.
 *
 * @module
 */
import { dirname, join } from "node:path";

const NAME = /^(pynb-dag-runner-[a-z]*-?)(\d+)-/;

async function isAlive(pid: number): Promise<boolean | undefined> {
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    return undefined;
  }
}

/** Removes folders of this kind left by runner processes that no longer exist (Linux only). */
async function sweep(dir: string, prefix: string): Promise<void> {
  if (await isAlive(Deno.pid) !== true) return; // no /proc: cannot tell who is gone
  const parent = dirname(dir);
  try {
    for await (const entry of Deno.readDir(parent)) {
      const match = NAME.exec(entry.name);
      if (!entry.isDirectory || match?.[1] !== prefix) continue;
      const pid = Number(match[2]);
      if (pid === Deno.pid || await isAlive(pid) !== false) continue;
      await Deno.remove(join(parent, entry.name), { recursive: true }).catch(() => {});
    }
  } catch {
    // Not our business if the temporary folder cannot be listed.
  }
}

/**
 * Creates a temporary folder named `<prefix><pid>-<random>`, removed when this process exits;
 * folders of the same kind whose process is gone are removed first.
 *
 * @param prefix Kind of folder, e.g. `pynb-dag-runner-` or `pynb-dag-runner-py-`.
 * @returns The absolute path of the new folder.
 *
 * @example A folder for this process
 * ```ts
 * import { makeScratchDir } from "./scratch.ts";
 * const dir = await makeScratchDir("pynb-dag-runner-example-");
 * console.assert(dir.includes(`pynb-dag-runner-example-${Deno.pid}-`));
 * await Deno.remove(dir);
 * ```
 */
export async function makeScratchDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `${prefix}${Deno.pid}-` });
  await sweep(dir, prefix);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or busy: the next runner sweeps it.
    }
  });
  return dir;
}
