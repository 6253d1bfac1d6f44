import { connect } from "node:net";
import { ROOT, tempDir } from "../tests/_helpers.ts";
import { assertEquals, assertMatch, assertOk, assertRejects } from "../tests/_deps.ts";
import { contentTypeOf, PortInUseError, serveSite, SiteFolderError } from "./serve.ts";

/** Sends one raw HTTP/1.1 request, so the path reaches the server exactly as written. */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let data = "";
    socket.on("data", (chunk) => data += chunk.toString());
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

/** The permission flags of `deno task serve`, read from deno.json so the tests use exactly them. */
async function serveTaskFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const flags = String(config.tasks.serve.command).split(/\s+/).filter((f) =>
    f.startsWith("--allow-")
  );
  assertEquals(flags, ["--allow-net=127.0.0.1", "--allow-read=_site"]);
  return flags;
}

async function withSite(
  fn: (base: string, port: number, outside: string) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir();
  const site = `${dir.path}/site`;
  await Deno.mkdir(`${site}/runs/r1`, { recursive: true });
  await Deno.writeTextFile(`${site}/index.html`, "<h1>runs</h1>");
  await Deno.writeTextFile(`${site}/runs/r1/index.html`, "<h1>run r1</h1>");
  await Deno.writeTextFile(`${site}/style.css`, "body{}");
  await Deno.writeFile(`${site}/runs/r1/roc curves.png`, new Uint8Array([137, 80, 78, 71]));
  await Deno.writeTextFile(`${dir.path}/secret.txt`, "TOP SECRET");
  await Deno.symlink(`${dir.path}/secret.txt`, `${site}/link.txt`);
  const stop = new AbortController();
  const server = await serveSite(site, { port: 0, signal: stop.signal });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, server.addr.port, dir.path);
  } finally {
    stop.abort();
    await server.finished;
  }
}

Deno.test("contentTypeOf() maps site file extensions to media types", () => {
  assertEquals(contentTypeOf("a/index.HTML"), "text/html; charset=utf-8");
  assertEquals(contentTypeOf("app.js"), "text/javascript; charset=utf-8");
  assertEquals(contentTypeOf("fig.svg"), "image/svg+xml");
  assertEquals(contentTypeOf("run.json"), "application/json; charset=utf-8");
  assertEquals(contentTypeOf("model.joblib"), "application/octet-stream");
});

Deno.test("serveSite() serves files with their content type and folders by index.html", async () => {
  await withSite(async (base) => {
    let res = await fetch(`${base}/`);
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    assertEquals(await res.text(), "<h1>runs</h1>");

    res = await fetch(`${base}/runs/r1/`);
    assertEquals(await res.text(), "<h1>run r1</h1>");

    res = await fetch(`${base}/runs/r1`, { redirect: "manual" });
    assertEquals(res.status, 301);
    assertEquals(res.headers.get("location"), "/runs/r1/");
    await res.body?.cancel();

    res = await fetch(`${base}/runs/r1/roc%20curves.png`);
    assertEquals(res.headers.get("content-type"), "image/png");
    assertEquals([...new Uint8Array(await res.arrayBuffer())], [137, 80, 78, 71]);

    res = await fetch(`${base}/style.css`, { method: "HEAD" });
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-length"), "6");
    assertEquals(await res.text(), "");

    res = await fetch(`${base}/missing.html`);
    assertEquals(res.status, 404);
    await res.body?.cancel();

    res = await fetch(`${base}/`, { method: "POST", body: "x" });
    assertEquals(res.status, 405);
    await res.body?.cancel();
  });
});

Deno.test("serveSite() never serves a file outside the site folder", async (t) => {
  await withSite(async (base, port) => {
    for (
      const path of [
        "/../secret.txt",
        "/runs/../../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/runs%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00index.html",
        "/%E0%A4%A",
      ]
    ) {
      await t.step(`raw request ${path}`, async () => {
        const reply = await rawGet(port, path);
        assertMatch(reply, /^HTTP\/1\.1 (400|404)/);
        assertOk(!reply.includes("TOP SECRET"), reply);
      });
    }
    await t.step("a symbolic link pointing outside", async () => {
      const res = await fetch(`${base}/link.txt`);
      assertEquals(res.status, 404);
      assertOk(!(await res.text()).includes("TOP SECRET"));
    });
  });
});

Deno.test("serveSite() explains a missing folder and a port in use", async () => {
  await using dir = await tempDir();
  await assertRejects(() => serveSite(`${dir.path}/_site`), SiteFolderError, "deno task demo");
  const stop = new AbortController();
  const first = await serveSite(dir.path, { port: 0, signal: stop.signal });
  try {
    await assertRejects(() => serveSite(dir.path, { port: first.addr.port }), PortInUseError);
  } finally {
    stop.abort();
    await first.finished;
  }
});

Deno.test("serve.ts exits 2 with one line when there is no site folder", async () => {
  await using dir = await tempDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...await serveTaskFlags(),
      `${ROOT}/examples/serve.ts`,
      "--port",
      "0",
    ],
    cwd: dir.path,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, stderr);
  assertMatch(stderr, /^error: Cannot serve '_site': no such folder\. Build the website first/);
  assertOk(!stderr.includes("    at "), "no stack trace");
});

Deno.test("deno task serve serves _site under its flags: --allow-net=127.0.0.1 --allow-read=_site", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/_site`);
  await Deno.writeTextFile(`${dir.path}/_site/index.html`, "<h1>demo</h1>");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...await serveTaskFlags(),
      `${ROOT}/examples/serve.ts`,
      "--port=0",
    ],
    cwd: dir.path,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value: line = "" } = await reader.read();
    reader.releaseLock();
    const url = line.match(/on (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
    assertOk(url, `no URL in ${JSON.stringify(line)}`);
    const res = await fetch(url);
    assertEquals(await res.text(), "<h1>demo</h1>");
  } finally {
    child.kill("SIGINT");
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    assertEquals(status.code, 0);
  }
});
