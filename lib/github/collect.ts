/**
 * `collectRuns()`: every run folder kept as a workflow artifact, downloaded once.
 *
 * Artifacts whose name starts with the prefix are listed (all pages), expired ones skipped, the
 * others downloaded and their run folders extracted into the output folder. With a cache folder
 * each zip is kept as `<artifact id>.zip` next to `<artifact id>.json` (digest and the run folders
 * it held), so a later call downloads only new artifacts, and does nothing at all for artifacts
 * whose run folders are already in the output folder; entries of expired artifacts are deleted.
 * With a branch, only artifacts of this repository's workflow runs on that branch are taken, and
 * their `run.json` must name that branch (what the published site trusts).
 *
 * @module
 */
import { join } from "node:path";
import { z } from "../../deps.ts";
import { writeFileAtomic } from "../_base/fs.ts";
import { RUN_LAYOUT } from "../log/layout.ts";
import { UserError } from "../errors.ts";
import {
  downloadArtifact,
  type DownloadOptions,
  listArtifacts,
  type RepoRef,
  sha256Hex,
  type WorkflowArtifact,
} from "./artifacts.ts";
import { createGitHubClient } from "./client.ts";
import { ArtifactGoneError, GitHubResponseError, UnsafeArchiveError } from "./errors.ts";
import { type ExtractOptions, extractRunFolders } from "./zip.ts";

/**
 * Parses `owner/name`.
 *
 * @param value The repository as written by the user.
 * @returns Owner and name.
 * @throws {UserError} When the value is not `owner/name`.
 *
 * @example Parsing a repository
 * ```ts
 * import { parseRepo } from "./collect.ts";
 * console.assert(parseRepo("octo/demo").repo === "demo");
 * ```
 */
export function parseRepo(value: string): RepoRef {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(value);
  if (m === null || m[2] === "." || m[2] === "..") {
    throw new UserError(
      `Cannot use repository '${value}': expected owner/name, for example octo-org/demo ` +
        "(in a workflow: ${{ github.repository }})",
    );
  }
  return { owner: m[1]!, repo: m[2]! };
}

/** Options of {@linkcode collectRuns}. */
export interface CollectOptions extends DownloadOptions, Omit<ExtractOptions, "name"> {
  /**
   * Folder keeping downloaded zips between calls.
   * @default undefined (no cache: every artifact is downloaded)
   */
  cacheDir?: string;
  /**
   * Only artifacts whose name starts with this are collected.
   * @default "pynb-run-"
   */
  prefix?: string;
  /**
   * Only artifacts of workflow runs of this repository (never a fork's) on this branch: the
   * default branch, for the published site and a pull request's baseline. A run folder whose
   * `run.json` names another branch than the workflow run that uploaded it is refused.
   * @default undefined (every branch, forks included)
   */
  branch?: string;
  /**
   * With `branch`: also the artifacts of workflow runs on other branches of this repository
   * (its own pull requests), still never a fork's. Their run folders say which branch, pull
   * request and trigger they come from, and the site shows it.
   * @default false
   */
  includePullRequests?: boolean;
  /**
   * Only the newest N artifacts that have not expired (after the prefix and branch filters).
   * @default undefined (all)
   */
  limit?: number;
}

/** What happened to one artifact. */
export interface CollectedArtifact {
  /** Artifact name. */
  name: string;
  /** Artifact id. */
  id: number;
  /** `downloaded`, `cached` (extracted from the cache), `present` (nothing to do). */
  source: "downloaded" | "cached" | "present";
  /** Run folders newly written to the output folder. */
  written: string[];
  /** Run folders that were already there. */
  present: string[];
}

/** The outcome of {@linkcode collectRuns}. */
export interface CollectReport {
  /** Artifacts collected. */
  collected: CollectedArtifact[];
  /** Names of artifacts skipped as expired or gone (410). */
  expired: string[];
  /** Artifacts that could not be collected (corrupt, unsafe, too large), with why. */
  failed: { name: string; id: number; message: string }[];
  /** Artifacts left out by the prefix, branch and limit filters. */
  ignored: number;
  /** Cache entries dropped because their artifact expired or no longer exists. */
  pruned: number;
}

const CacheEntrySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  sha256: z.string(),
  /** The digest the API listed when the zip was downloaded. */
  digest: z.string().nullable(),
  folders: z.array(z.string()),
  /** Why the zip was refused (corrupt, unsafe): the verdict stands, it is not downloaded again. */
  refused: z.string().optional(),
});
type CacheEntry = z.infer<typeof CacheEntrySchema>;

/**
 * Collects the run folders kept as artifacts of a repository into `outDir`.
 *
 * @param repo The repository, `owner/name`.
 * @param outDir Output folder; each run folder lands in `outDir/<run folder>`.
 * @param options Token, API URL, cache, prefix, limits.
 * @returns What was collected, skipped and refused.
 * @throws {UserError} When `repo` is not `owner/name`.
 * @throws {GitHubAccessError} On 401, 403 and 404 (the message says how to fix it).
 * @throws {GitHubRateLimitError} When the rate limit resets too late.
 *
 * @example Collecting into runs/
 * ```ts ignore
 * import { collectRuns } from "./collect.ts";
 * const report = await collectRuns("octo/demo", "runs", {
 *   token: Deno.env.get("GITHUB_TOKEN"),
 *   cacheDir: ".pynb-cache",
 * });
 * console.log(report.collected.length, "artifacts collected");
 * ```
 */
export async function collectRuns(
  repo: string,
  outDir: string,
  options: CollectOptions = {},
): Promise<CollectReport> {
  const ref = parseRepo(repo);
  const prefix = options.prefix ?? "pynb-run-";
  const client = createGitHubClient(options);
  const all = await listArtifacts(client, ref);
  const report: CollectReport = { collected: [], expired: [], failed: [], ignored: 0, pruned: 0 };
  const branch = options.branch;
  let wanted = all.filter((a) =>
    a.name.startsWith(prefix) &&
    (branch === undefined || trusted(a, branch, options.includePullRequests ?? false))
  );
  if (options.limit !== undefined) {
    const newest = wanted.filter((a) => !a.expired).sort((a, b) => b.id - a.id);
    wanted = newest.slice(0, options.limit);
  }
  report.ignored = all.length - wanted.length;
  if (options.cacheDir !== undefined) {
    await Deno.mkdir(options.cacheDir, { recursive: true });
    report.pruned = await pruneCache(options.cacheDir, all);
  }
  await Deno.mkdir(outDir, { recursive: true });
  // Oldest first, so that progress reads in the order the runs happened.
  wanted.sort((a, b) => a.id - b.id);
  for (const artifact of wanted) {
    if (artifact.expired) {
      report.expired.push(artifact.name);
      continue;
    }
    try {
      report.collected.push(await collectOne(client, ref, artifact, outDir, options));
    } catch (err) {
      if (err instanceof ArtifactGoneError) {
        report.expired.push(artifact.name);
      } else if (err instanceof UnsafeArchiveError || err instanceof GitHubResponseError) {
        report.failed.push({ name: artifact.name, id: artifact.id, message: err.message });
      } else {
        throw err;
      }
    }
  }
  return report;
}

/**
 * Uploaded by a workflow run of this repository (not of a fork, whose branch may have the same
 * name), on `branch` or, with `others`, on any branch.
 */
function trusted(a: WorkflowArtifact, branch: string, others: boolean): boolean {
  const run = a.workflow_run;
  const own = run?.repository_id;
  if (typeof own !== "number" || own !== run?.head_repository_id) return false;
  return others || run.head_branch === branch;
}

/** Refuses a run folder whose `run.json` claims another branch than its workflow run's. */
function sameBranch(artifact: WorkflowArtifact): NonNullable<ExtractOptions["check"]> {
  return (folder, text) => {
    let claimed: unknown;
    try {
      claimed = (JSON.parse(text ?? "{}") as { ci?: { branch?: unknown } }).ci?.branch;
    } catch {
      return; // An unreadable run.json is the run reader's to report.
    }
    const actual = artifact.workflow_run?.head_branch;
    if (claimed !== undefined && claimed !== actual) {
      throw new UnsafeArchiveError(
        artifact.name,
        `Cannot use '${artifact.name}': its run folder '${folder}' says it ran on branch ` +
          `'${String(claimed)}', but the workflow run that uploaded it ran on '${actual}'`,
      );
    }
  };
}

/**
 * Deletes the cached zips and entries of artifacts that expired or no longer exist, so that a
 * cache kept between workflow runs stays as large as the artifacts still kept.
 */
async function pruneCache(cache: string, listed: WorkflowArtifact[]): Promise<number> {
  const alive = new Set(listed.filter((a) => !a.expired).map((a) => String(a.id)));
  const dead = new Set<string>();
  for await (const e of Deno.readDir(cache)) {
    const id = /^(\d+)\.(json|zip)$/.exec(e.name)?.[1];
    if (e.isFile && id !== undefined && !alive.has(id)) {
      await Deno.remove(join(cache, e.name));
      dead.add(id);
    }
  }
  return dead.size;
}

async function collectOne(
  client: ReturnType<typeof createGitHubClient>,
  repo: RepoRef,
  artifact: WorkflowArtifact,
  outDir: string,
  options: CollectOptions,
): Promise<CollectedArtifact> {
  const base = { name: artifact.name, id: artifact.id };
  const cache = options.cacheDir;
  const entry = cache === undefined ? undefined : await readCacheEntry(cache, artifact);
  // The run folders are there already: no need to read, let alone download, the zip.
  if (entry?.refused !== undefined) {
    throw new UnsafeArchiveError(
      artifact.name,
      `${entry.refused} (remembered from an earlier call)`,
    );
  }
  if (entry !== undefined && await allExist(outDir, entry.folders)) {
    return { ...base, source: "present", written: [], present: entry.folders };
  }
  let zip = entry === undefined ? undefined : await readCachedZip(cache!, artifact, entry);
  const source = zip === undefined ? "downloaded" : "cached";
  let result;
  try {
    zip ??= await downloadArtifact(client, repo, artifact, options);
    result = await extractRunFolders(zip, outDir, {
      ...options,
      name: artifact.name,
      ...(options.branch === undefined ? {} : { check: sameBranch(artifact) }),
    });
  } catch (err) {
    // Artifacts never change: a refused one is refused again, so remember it.
    if (cache !== undefined && err instanceof UnsafeArchiveError) {
      await writeCacheEntry(cache, {
        id: artifact.id,
        name: artifact.name,
        sha256: zip === undefined ? "" : await sha256Hex(zip),
        digest: artifact.digest ?? null,
        folders: [],
        refused: err.message,
      });
    }
    throw err;
  }
  if (cache !== undefined && source === "downloaded") {
    await writeFileAtomic(join(cache, `${artifact.id}.zip`), zip);
    await writeCacheEntry(cache, {
      id: artifact.id,
      name: artifact.name,
      sha256: await sha256Hex(zip),
      digest: artifact.digest ?? null,
      folders: [...result.written, ...result.present].sort(),
    });
  }
  return { ...base, source, ...result };
}

/** The cache entry of an artifact, when present and made for the same listed digest. */
async function readCacheEntry(
  cache: string,
  artifact: WorkflowArtifact,
): Promise<CacheEntry | undefined> {
  try {
    const entry = CacheEntrySchema.parse(
      JSON.parse(await Deno.readTextFile(join(cache, `${artifact.id}.json`))),
    );
    if ((artifact.digest ?? null) !== entry.digest) return undefined;
    return entry;
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    // Missing or damaged cache entries are simply downloaded again.
    return undefined;
  }
}

/** The cached zip, when intact (its sha256 is the one recorded at download). */
async function readCachedZip(
  cache: string,
  artifact: WorkflowArtifact,
  entry: CacheEntry,
): Promise<Uint8Array | undefined> {
  try {
    const zip = await Deno.readFile(join(cache, `${artifact.id}.zip`));
    return await sha256Hex(zip) === entry.sha256 ? zip : undefined;
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return undefined;
  }
}

async function allExist(dir: string, names: string[]): Promise<boolean> {
  if (names.length === 0) return false;
  for (const name of names) {
    try {
      await Deno.lstat(join(dir, name, RUN_LAYOUT.summary));
    } catch {
      try {
        await Deno.lstat(join(dir, name, RUN_LAYOUT.spans));
      } catch {
        return false;
      }
    }
  }
  return true;
}

async function writeCacheEntry(cache: string, entry: CacheEntry): Promise<void> {
  const text = JSON.stringify(entry, null, 2);
  await writeFileAtomic(join(cache, `${entry.id}.json`), text);
}
