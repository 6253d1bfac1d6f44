/**
 * The files of one task instance that its page shows and links: the notebook and stderr of each
 * attempt, and the artifacts of the last one. They are copied next to the page and the parts
 * the page shows are read, always through the run's {@linkcode RunFiles}, which never follows a
 * link out of the run folder. This is the only I/O of rendering a run's pages besides writing
 * them.
 *
 * @module
 */
import { basename, dirname, extname, join } from "node:path";
import { ATTEMPT_LAYOUT, unsafeRelPath } from "../log/layout.ts";
import type { Artifact, TaskRecord } from "../log/schema.ts";
import { safeName } from "./_html.ts";
import type { BlobStore } from "./blob_store.ts";
import type { SiteRun } from "./model.ts";

/** Artifacts shown as images. */
const IMAGE_EXT = new Set([".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"]);
/** Artifacts previewed as text. */
const TEXT_EXT = new Set([
  ".txt",
  ".log",
  ".csv",
  ".tsv",
  ".json",
  ".jsonl",
  ".md",
  ".yaml",
  ".yml",
]);
/** Extensions served as they are; anything else gets `.download` so a browser never runs it. */
const SAFE_EXT = new Set([
  ...IMAGE_EXT,
  ...TEXT_EXT,
  ".ipynb",
  ".parquet",
  ".npy",
  ".npz",
  ".pkl",
  ".joblib",
  ".zip",
  ".gz",
  ".tar",
]);
/** Text previews of artifacts show at most this many bytes. */
const MAX_TEXT_PREVIEW = 4096;
/** SVG artifacts up to this size are inlined as data URLs. */
const MAX_SVG_INLINE = 512 * 1024;
/** The page shows at most the last this many bytes of stderr. */
export const MAX_STDERR = 256 * 1024;

/** The files of one attempt, copied into the site. */
export interface AttemptFiles {
  /** The attempt number. */
  attempt: number;
  /** Link to the copied notebook, relative to the run's pages. */
  notebookHref?: string;
  /** Why the notebook was not copied (larger than the artifact cap), with where it is kept. */
  notebookElsewhere?: { why: string; url?: string };
  /** Link to the copied stderr. */
  stderrHref?: string;
}

/** An artifact as shown on an instance page. */
export interface ArtifactView {
  /** Its name, as logged. */
  name: string;
  /** Size in bytes, as recorded. */
  size: number;
  /** SHA-256, as recorded. */
  sha256: string;
  /** Media type, or "". */
  mediaType: string;
  /** Link to the copied file. */
  href?: string;
  /** Image source: the copied file or an SVG data URL. */
  image?: string;
  /** The start of a text artifact. */
  text?: string;
  /** True when `text` is only the start. */
  textCut?: boolean;
  /** Why there is no file to link. */
  missing?: string;
  /** Where an artifact that was not copied can be had (the workflow run's page). */
  elsewhere?: string;
}

/** What an instance page needs from the run folder. */
export interface InstanceFiles {
  /** Every attempt's copied files, in order. */
  attempts: AttemptFiles[];
  /** The last attempt's notebook: its text and link (none when it was too large to copy). */
  notebook?: { text: string; href?: string | undefined };
  /** The end of the last attempt's stderr. */
  stderr?: { text: string; cut: boolean };
  /** The last attempt's artifacts. */
  artifacts: ArtifactView[];
  /**
   * Stores a notebook's base64 image output as a file and returns its link, so the page does
   * not carry it inline; absent without a blob store.
   */
  imageSrc?: (mime: string, base64: string) => string | undefined;
}

/** Where an instance's files go. */
export interface InstanceTarget {
  /** The run's pages folder. */
  dir: string;
  /** The page's name without `.html`. */
  page: string;
  /** Folders made so far. */
  made: MadeDirs;
  /** Artifacts above this size are linked to their workflow run rather than copied. */
  maxArtifactBytes?: number | undefined;
  /** Content-addressed storage of artifacts, notebooks and figures; without it, copies. */
  blobs?: BlobStore | undefined;
}

const IMAGE_MIME_EXT: Record<string, string> = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
};

/** Links from a run's pages folder to the site's root. */
const TO_ROOT = "../../";

function blobImageSrc(store: BlobStore): (mime: string, base64: string) => string | undefined {
  return (mime, base64) => {
    const ext = IMAGE_MIME_EXT[mime];
    if (ext === undefined) return undefined;
    const bin = atob(base64.replace(/\s+/g, ""));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return TO_ROOT + store.put(bytes, ext);
  };
}

/** Copies (or stores) one attempt file; returns its link from the run's pages, or undefined. */
function keepAttemptFile(
  run: SiteRun,
  path: string,
  name: string,
  target: InstanceTarget,
  rel: string,
): string | undefined {
  const files = run.files;
  if (files === undefined || "missing" in files.check(path)) return undefined;
  if (target.blobs !== undefined && name.endsWith(".ipynb")) {
    // The cap on copied files holds for notebooks too: their figures are blobs of their own.
    const checked = files.check(path);
    if (!("missing" in checked) && checked.size > (target.maxArtifactBytes ?? Infinity)) {
      return undefined;
    }
    const bytes = files.readBytes(path);
    return bytes === undefined ? undefined : TO_ROOT + target.blobs.put(bytes, ".ipynb");
  }
  ensureDir(join(target.dir, rel), target.made);
  if (files.copyTo(path, join(target.dir, rel, name)) !== undefined) return undefined;
  return `${rel}/${name}`;
}

/** Folders created so far, so each is made once. */
export type MadeDirs = Set<string>;

function ensureDir(path: string, made: MadeDirs): void {
  if (made.has(path)) return;
  Deno.mkdirSync(path, { recursive: true });
  made.add(path);
}

/**
 * Copies an instance's files next to its page (`<dir>/files/<page>/attempt-<n>/`) and reads
 * what the page shows of them.
 *
 * @param run The run (without a folder, a run carried over from history: nothing to copy).
 * @param t The instance.
 * @param target The run's pages folder, the page's name without `.html`, the folders made, and
 *   the size above which an artifact is linked to its workflow run rather than copied
 *   (`maxArtifactBytes`, default: every artifact is copied).
 * @returns The links and texts for {@linkcode buildInstancePageModel}.
 *
 * @example Gathering an instance's files
 * ```ts ignore
 * const files = copyInstanceFiles(run, task, { dir: "_site/runs/r1", page: "eda", made: new Set() });
 * ```
 */
export function copyInstanceFiles(
  run: SiteRun,
  t: TaskRecord,
  target: InstanceTarget,
): InstanceFiles {
  const out: InstanceFiles = { attempts: [], artifacts: [] };
  if (target.blobs !== undefined) out.imageSrc = blobImageSrc(target.blobs);
  const files = run.files;
  for (const a of t.attempts) {
    const rel = `files/${target.page}/attempt-${a.attempt}`;
    const view: AttemptFiles = { attempt: a.attempt };
    for (const kind of ["notebook", "stderr"] as const) {
      const path = a[kind];
      if (!path) continue;
      const href = keepAttemptFile(run, path, ATTEMPT_LAYOUT[kind], target, rel);
      if (href !== undefined) view[`${kind}Href`] = href;
      else if (kind === "notebook") notTooLarge(run, path, target, view);
    }
    out.attempts.push(view);
  }
  const last = t.attempts.at(-1);
  const lastView = out.attempts.at(-1);
  if (files !== undefined && last !== undefined && lastView !== undefined) {
    if ((lastView.notebookHref ?? lastView.notebookElsewhere) !== undefined && last.notebook) {
      const text = files.readText(last.notebook);
      if (text !== undefined) out.notebook = { text: text.text, href: lastView.notebookHref };
    }
    if (lastView.stderrHref !== undefined && last.stderr) {
      const part = files.readText(last.stderr, { max: MAX_STDERR, from: "tail" });
      if (part !== undefined) out.stderr = { text: part.text, cut: part.cut };
    }
  }
  const artDir = `files/${target.page}/attempt-${last?.attempt ?? 1}/artifacts`;
  const used = new Set<string>();
  for (const a of t.artifacts) {
    out.artifacts.push(artifactView(run, a, { ...target, artDir, used }));
  }
  return out;
}

function artifactView(
  run: SiteRun,
  a: Artifact,
  where: InstanceTarget & { artDir: string; used: Set<string> },
): ArtifactView {
  const ext = extname(a.name).toLowerCase();
  const view: ArtifactView = {
    name: a.name,
    size: a.size,
    sha256: a.sha256,
    mediaType: a.mediaType ?? "",
  };
  const files = run.files;
  if (files === undefined) return { ...view, missing: "not kept in the published history" };
  if (a.size > (where.maxArtifactBytes ?? Infinity)) {
    const url = run.summary.ci?.url;
    const ok = url !== undefined && /^https?:\/\/[^\s]+$/i.test(url);
    return {
      ...view,
      missing: `larger than ${where.maxArtifactBytes} bytes: not copied to the site` +
        (ok ? "; the workflow run keeps it as an artifact" : ""),
      ...(ok ? { elsewhere: url } : {}),
    };
  }
  if (unsafeRelPath(a.path) !== undefined) {
    files.check(a.path); // records the warning
    return { ...view, missing: `path '${a.path}' is outside the run folder` };
  }
  const href = keepArtifact(files, a, where);
  if (href.failed !== undefined) {
    return { ...view, missing: `cannot copy '${a.path}': ${href.failed}` };
  }
  view.href = href.href;
  const media = a.mediaType ?? "";
  if (IMAGE_EXT.has(ext) || /^image\/(png|jpeg|gif|webp|avif)$/.test(media)) {
    view.image = view.href;
  } else if (ext === ".svg" || media === "image/svg+xml") {
    const bytes = a.size <= MAX_SVG_INLINE ? files.readBytes(a.path) : undefined;
    if (bytes !== undefined && bytes.length <= MAX_SVG_INLINE) {
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      view.image = `data:image/svg+xml;base64,${btoa(bin)}`;
    }
  } else if (TEXT_EXT.has(ext) || media.startsWith("text/") || media === "application/json") {
    const part = files.readText(a.path, { max: MAX_TEXT_PREVIEW });
    if (part !== undefined) {
      view.text = part.text;
      view.textCut = part.cut;
    }
  }
  return view;
}

/** Stores an artifact in the blob store (or copies it next to the page): its link. */
function keepArtifact(
  files: NonNullable<SiteRun["files"]>,
  a: Artifact,
  where: InstanceTarget & { artDir: string; used: Set<string> },
): { href: string; failed?: undefined } | { failed: string } {
  let base = safeName(basename(a.name));
  if (!SAFE_EXT.has(extname(base).toLowerCase())) base += ".download";
  const checked = files.check(a.path);
  if ("missing" in checked) return { failed: checked.missing };
  if (where.blobs !== undefined) {
    const bytes = files.readBytes(a.path);
    if (bytes === undefined) return { failed: "cannot read it" };
    const ext = extname(base).toLowerCase().replace(/[^.a-z0-9]/g, "");
    return { href: TO_ROOT + where.blobs.put(bytes, ext) };
  }
  while (where.used.has(base.toLowerCase())) base = `x-${base}`;
  where.used.add(base.toLowerCase());
  const dest = join(where.dir, where.artDir, base);
  ensureDir(dirname(dest), where.made);
  const failed = files.copyTo(a.path, dest);
  return failed !== undefined ? { failed } : { href: `${where.artDir}/${base}` };
}

/** Says why a notebook larger than the cap was not copied, and where it is kept. */
function notTooLarge(run: SiteRun, path: string, target: InstanceTarget, view: AttemptFiles) {
  const checked = run.files?.check(path);
  if (checked === undefined || "missing" in checked) return;
  if (checked.size <= (target.maxArtifactBytes ?? Infinity)) return;
  const url = run.summary.ci?.url;
  const ok = url !== undefined && /^https?:\/\/[^\s]+$/i.test(url);
  view.notebookElsewhere = {
    why: `notebook larger than ${target.maxArtifactBytes} bytes: not copied` +
      (ok ? "; the workflow run keeps it" : ""),
    ...(ok ? { url } : {}),
  };
}
