/**
 * `cli.ts cache prune [--dir DIR] [--keep-days N] [--max-size SIZE]`: keeps the cache of
 * `run --cache` bounded. Needs read and write access to the cache folder only.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "../../deps/cli.ts";
import { parseSize, pruneCache, type PruneOptions } from "../cache/prune.ts";
import { DEFAULT_CACHE_DIR } from "../run/caching.ts";

export { DEFAULT_CACHE_DIR } from "../run/caching.ts";

/** The permission flags `cache prune` needs with the default folder. */
export const CACHE_PERMISSIONS =
  `--allow-read=${DEFAULT_CACHE_DIR} --allow-write=${DEFAULT_CACHE_DIR}`;

function parseDays(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number of days (0 or more), got '${text}'.`);
  }
  return n;
}

function parseSizeFlag(text: string): number {
  try {
    return parseSize(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Fails before anything is read or removed when the cache folder is not granted. */
async function checkAccess(dir: string): Promise<void> {
  for (const name of ["read", "write"] as const) {
    const { state } = await Deno.permissions.query({ name, path: dir });
    if (state !== "granted") {
      throw new Deno.errors.NotCapable(
        `Cannot prune '${dir}': ${name} access to it is not granted (--allow-${name}=${dir})`,
      );
    }
  }
}

/** Formats a byte count with a binary unit. */
function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * Builds the `cache` sub-command and its `prune` sub-command.
 *
 * @returns The commander command.
 *
 * @example Keeping a month of entries, at most 2 GiB
 * ```sh
 * deno run --allow-read=.pynb-cache --allow-write=.pynb-cache cli.ts cache prune \
 *   --keep-days 30 --max-size 2GiB
 * ```
 */
export function cacheCommand(): Command {
  const prune = new Command("prune")
    .description(
      "Remove cache entries not used for --keep-days days, then the least recently used until " +
        "the rest fits --max-size; also leftovers of interrupted runs.",
    )
    .option("--dir <folder>", "the cache folder", DEFAULT_CACHE_DIR)
    .option(
      "--keep-days <n>",
      "remove entries not restored or saved for more than n days",
      parseDays,
    )
    .option("--max-size <size>", "then keep at most this much, e.g. 500MB or 2GiB", parseSizeFlag)
    .addHelpText(
      "after",
      `
Sizes: bytes, or KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024).
An entry counts as used when a run restores or saves it. A missing folder is an empty cache.

Permissions: ${CACHE_PERMISSIONS}
  (the folder given by --dir, when it is not ${DEFAULT_CACHE_DIR})

Example:
  deno run ${CACHE_PERMISSIONS} cli.ts cache prune --keep-days 30 --max-size 2GiB
`,
    )
    .action(async (opts: { dir: string; keepDays?: number; maxSize?: number }) => {
      const options: PruneOptions = {};
      if (opts.keepDays !== undefined) options.keepDays = opts.keepDays;
      if (opts.maxSize !== undefined) options.maxSize = opts.maxSize;
      await checkAccess(opts.dir);
      const got = await pruneCache(opts.dir, options);
      for (const w of got.warnings) console.error(`Warning: ${w}`);
      console.log(
        `${opts.dir}: removed ${got.removed} entr${got.removed === 1 ? "y" : "ies"} ` +
          `(${formatBytes(got.freed)}), kept ${got.kept} (${formatBytes(got.size)})`,
      );
    });
  const cache = new Command("cache")
    .description("Manage the cache of `run --cache`: cache prune.")
    .addCommand(prune)
    .addHelpText("after", `\nPermissions: ${CACHE_PERMISSIONS}\n`);
  // Without a sub-command: the help, as a usage error.
  return cache.action(() => {
    cache.outputHelp({ error: true });
    Deno.exitCode = 2;
  });
}
