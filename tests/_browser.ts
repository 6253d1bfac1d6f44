/**
 * Helpers of the browser tests: Chromium's flags, a static server that serves a site under a
 * sub-path the way GitHub Pages serves a project site, and a page visit that collects console
 * errors, failed responses and links.
 *
 * @module
 */
import { extname, join, resolve } from "node:path";
import type { Page } from "./_deps.ts";
import { assertEquals } from "./_deps.ts";
import { XSS_MARKER } from "./fixtures/make_runs.ts";
import { CHROMIUM_ARGS } from "../testing/chromium.ts";

/** Chromium flags of every browser test. */
export const ARGS = CHROMIUM_ARGS;
/** The sub-path sites are served under. */
export const PREFIX = "/repo/";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Serves `root` under PREFIX like GitHub Pages: no extra security headers, 404 elsewhere. */
export function serve(root: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (!path.startsWith(PREFIX)) return new Response("not found", { status: 404 });
    let file = resolve(root, "." + path.slice(PREFIX.length - 1));
    if (!file.startsWith(root)) return new Response("not found", { status: 404 });
    if (path.endsWith("/")) file = join(file, "index.html");
    try {
      const data = await Deno.readFile(file);
      const type = TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
      return new Response(data, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** What a visit saw. */
export interface Visit {
  url: string;
  errors: string[];
  links: string[];
}

/** The sandbox doing its job on the XSS corpus's HTML outputs: expected, not an error. */
const SANDBOX_BLOCKED =
  /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;

/** Opens a page and collects its errors and links; fails on a non-200 answer or a set XSS marker. */
export async function visit(page: Page, url: string): Promise<Visit> {
  const errors: string[] = [];
  const onConsole = (msg: { type(): string; text(): string }) => {
    const text = msg.text();
    // Resource failures are reported with their URL by onResponse.
    if (text.startsWith("Failed to load resource")) return;
    if ((msg.type() === "error" || msg.type() === "warning") && !SANDBOX_BLOCKED.test(text)) {
      errors.push(text);
    }
  };
  const onError = (err: Error) => errors.push(err.message);
  const onResponse = (res: { status(): number; url(): string }) => {
    if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`);
  };
  page.on("console", onConsole);
  page.on("pageerror", onError);
  page.on("response", onResponse);
  const res = await page.goto(url, { waitUntil: "load" });
  assertEquals(res?.status(), 200, `GET ${url}`);
  const links = await page.$$eval(
    "a[href]",
    (as) => as.map((a) => new URL(a.getAttribute("href") ?? "", document.baseURI).href),
  );
  const marker = await page.evaluate((m) => (globalThis as Record<string, unknown>)[m], XSS_MARKER);
  assertEquals(marker, undefined, `XSS marker set on ${url}`);
  page.off("console", onConsole);
  page.off("pageerror", onError);
  page.off("response", onResponse);
  return { url, errors, links };
}
