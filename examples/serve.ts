#!/usr/bin/env -S deno run --allow-net=127.0.0.1 --allow-read=_site
/**
 * `deno task serve`: serves the generated website (`_site/`) on http://127.0.0.1:8000/ for
 * people who want a URL rather than a `file://` page.
 *
 * Only files under the site folder are served: paths are normalised and resolved (symbolic
 * links included) before anything is opened, so `..` segments, encoded slashes and links cannot
 * reach outside it. It listens on the loopback interface only.
 *
 * Permissions: `--allow-net=127.0.0.1 --allow-read=<site folder>`.
 *
 * @example Serving the demo's website
 * ```sh
 * deno task serve                      # _site/ on http://127.0.0.1:8000/
 * deno task serve --port 8080
 * ```
 *
 * @module
 */
import { extname, join, normalize, sep } from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../lib/errors.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "application/x-ndjson; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ipynb": "application/x-ipynb+json",
  ".pdf": "application/pdf",
  ".wasm": "application/wasm",
};

/**
 * The `Content-Type` a file is served with, from its extension; unknown types are served as
 * `application/octet-stream`, which browsers download rather than render.
 *
 * @param path A file path or name.
 * @returns The media type, with `charset=utf-8` for text.
 *
 * @example Looking up a content type
 * ```ts
 * import { contentTypeOf } from "./serve.ts";
 * console.assert(contentTypeOf("index.html") === "text/html; charset=utf-8");
 * console.assert(contentTypeOf("model.joblib") === "application/octet-stream");
 * ```
 */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

function textResponse(status: number, text: string, headers: Record<string, string> = {}) {
  return new Response(`${text}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/**
 * Maps a URL path to a path inside `root`, or `undefined` when it cannot name a file there
 * (malformed escapes, NUL bytes, `..` above the root, backslashes).
 */
function resolveUrlPath(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/");
  if (segments.includes("..")) return undefined;
  const relative = normalize(segments.filter((s) => s !== "" && s !== ".").join("/"));
  return relative === "." ? root : join(root, relative);
}

/**
 * Builds a request handler that serves the files under `root`: `GET` and `HEAD` only,
 * `index.html` for a folder, a redirect to add the trailing slash of a folder URL, 404 for
 * anything missing or outside `root`.
 *
 * @param root The site folder.
 * @returns A handler for `Deno.serve`.
 *
 * @example Answering one request
 * ```ts
 * import { staticHandler } from "./serve.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/index.html`, "<h1>hi</h1>");
 * const res = await staticHandler(dir)(new Request("http://127.0.0.1/"));
 * console.assert((await res.text()) === "<h1>hi</h1>");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function staticHandler(root: string): (request: Request) => Promise<Response> {
  let realRoot: Promise<string> | undefined;
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return textResponse(405, "Method not allowed", { allow: "GET, HEAD" });
    }
    realRoot ??= Deno.realPath(root);
    const base = await realRoot;
    const url = new URL(request.url);
    const candidate = resolveUrlPath(base, url.pathname);
    if (candidate === undefined) return textResponse(404, "Not found");
    let path: string;
    let info: Deno.FileInfo;
    try {
      // realPath follows symbolic links: whatever it lands on must still be under the root.
      path = await Deno.realPath(candidate);
      if (path !== base && !path.startsWith(base + sep)) return textResponse(404, "Not found");
      info = await Deno.stat(path);
      if (info.isDirectory) {
        if (!url.pathname.endsWith("/")) {
          return textResponse(301, "Moved", { location: `${url.pathname}/${url.search}` });
        }
        path = await Deno.realPath(join(path, "index.html"));
        if (!path.startsWith(base + sep)) return textResponse(404, "Not found");
        info = await Deno.stat(path);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return textResponse(404, "Not found");
      }
      throw err;
    }
    if (!info.isFile) return textResponse(404, "Not found");
    const headers = {
      ...SECURITY_HEADERS,
      "content-type": contentTypeOf(path),
      "content-length": String(info.size),
    };
    if (request.method === "HEAD") return new Response(null, { headers });
    const file = await Deno.open(path, { read: true });
    return new Response(file.readable, { headers });
  };
}

/** Options of {@linkcode serveSite}. */
export interface ServeSiteOptions {
  /**
   * TCP port; 0 picks a free one.
   * @default 8000
   */
  port?: number;
  /**
   * Interface to listen on. Anything but loopback would publish the site to the network.
   * @default "127.0.0.1"
   */
  hostname?: string;
  /** Stops the server when aborted. @default undefined (runs until the process ends) */
  signal?: AbortSignal;
  /** Called once the server listens, with its address. @default prints nothing */
  onListen?: (address: Deno.NetAddr) => void;
}

/** The site folder to serve does not exist or is not a folder. */
export class SiteFolderError extends UserError {
  /**
   * @param folder The folder that was asked for.
   * @param message What is wrong and how to fix it.
   * @param options The underlying cause.
   */
  constructor(readonly folder: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SiteFolderError";
  }
}

/** The port to listen on is taken by another process. */
export class PortInUseError extends UserError {
  /**
   * @param port The port.
   * @param options The underlying cause.
   */
  constructor(readonly port: number, options?: ErrorOptions) {
    super(
      `Cannot serve on port ${port}: another program is using it. Stop it, or pick another ` +
        `port with --port <number>.`,
      options,
    );
    this.name = "PortInUseError";
  }
}

/**
 * Serves a static site folder over HTTP on the loopback interface.
 *
 * @param root The site folder, e.g. `_site`.
 * @param options Port, interface, abort signal, listen callback.
 * @returns The running server; `await server.finished` waits for it to stop.
 * @throws {SiteFolderError} When `root` is not a folder.
 * @throws {PortInUseError} When the port is taken.
 *
 * @example Serving a folder on a free port
 * ```ts
 * import { serveSite } from "./serve.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/index.html`, "<h1>hi</h1>");
 * const stop = new AbortController();
 * const server = await serveSite(dir, { port: 0, signal: stop.signal });
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * console.assert(res.headers.get("content-type") === "text/html; charset=utf-8");
 * await res.body?.cancel();
 * stop.abort();
 * await server.finished;
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function serveSite(
  root: string,
  options: ServeSiteOptions = {},
): Promise<Deno.HttpServer<Deno.NetAddr>> {
  try {
    const info = await Deno.stat(root);
    if (!info.isDirectory) {
      throw new SiteFolderError(root, `Cannot serve '${root}': it is a file, not a folder`);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SiteFolderError(
        root,
        `Cannot serve '${root}': no such folder. Build the website first (deno task demo).`,
        { cause: err },
      );
    }
    throw err;
  }
  const port = options.port ?? 8000;
  try {
    return Deno.serve({
      hostname: options.hostname ?? "127.0.0.1",
      port,
      ...(options.signal ? { signal: options.signal } : {}),
      onListen: options.onListen ?? (() => {}),
      onError: (err) => {
        console.error(err);
        return textResponse(500, "Internal server error");
      },
    }, staticHandler(root));
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) throw new PortInUseError(port, { cause: err });
    throw err;
  }
}

/** Parses the command line of `serve.ts`: `[folder] [--port N]`. */
function parseServeArgs(args: string[]): { root: string; port: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { port: { type: "string", short: "p", default: "8000" } },
      allowPositionals: true,
    });
  } catch (err) {
    throw new UserError(
      `Cannot serve: ${(err as Error).message}. Usage: serve.ts [folder] [--port N]`,
      {
        cause: err,
      },
    );
  }
  const { values, positionals } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`Cannot serve: --port must be a number 0..65535, not '${values.port}'`);
  }
  if (positionals.length > 1) {
    throw new UserError(`Cannot serve: expected one site folder, got ${positionals.length}`);
  }
  return { root: positionals[0] ?? "_site", port };
}

if (import.meta.main) {
  try {
    const { root, port } = parseServeArgs(Deno.args);
    const server = await serveSite(root, {
      port,
      onListen: ({ hostname, port }) => {
        console.log(`Serving ${root}/ on http://${hostname}:${port}/ (Ctrl-C to stop)`);
      },
    });
    Deno.addSignalListener("SIGINT", () => {
      server.shutdown().then(() => Deno.exit(0));
    });
    await server.finished;
  } catch (err) {
    if (err instanceof UserError || err instanceof Deno.errors.NotCapable) {
      console.error(`error: ${(err as Error).message}`);
      Deno.exit(2);
    }
    throw err;
  }
}
