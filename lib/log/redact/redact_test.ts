import { Buffer } from "node:buffer";
import { join } from "node:path";
import { assertEquals, assertThrows } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import { redactAttemptFolder, REDACTED, Redactor, secretForms } from "./redact.ts";

const SECRET = "ghp_Zx9/+secret é値";

Deno.test("Redactor.redact() replaces a secret and its encoded forms", async (t) => {
  const r = new Redactor([SECRET, ""]);
  const b64 = Buffer.from(SECRET).toString("base64");
  const cases: [string, string][] = [
    ["plain", `token: ${SECRET}!`],
    ["JSON-escaped", JSON.stringify({ t: SECRET })],
    ["Python json.dumps (ASCII)", '{"t": "ghp_Zx9/+secret \\u00e9\\u5024"}'],
    ["base64", `b64 ${b64}`],
    ["base64 unpadded", `b64 ${b64.replace(/=+$/, "")}`],
    ["base64url", b64.replaceAll("+", "-").replaceAll("/", "_")],
    ["URL-encoded", `https://x/?t=${encodeURIComponent(SECRET)}`],
    ["form-encoded", encodeURIComponent(SECRET).replaceAll("%20", "+")],
  ];
  for (const [name, text] of cases) {
    await t.step(name, () => {
      const out = r.redact(text);
      assertEquals(out.includes(REDACTED), true, `${name}: ${out}`);
      for (const form of secretForms(SECRET)) {
        assertEquals(out.includes(form), false, `${name}: ${out} still holds ${form}`);
      }
    });
  }
  await t.step("base64 inside longer base64, at every alignment", () => {
    for (const prefix of ["", "a", "ab", "abc"]) {
      const encoded = Buffer.from(`${prefix}${SECRET}tail`).toString("base64");
      const out = r.redact(encoded);
      assertEquals(out.includes(REDACTED), true, `prefix ${JSON.stringify(prefix)}: ${out}`);
      // At most the characters shared with the bytes around it are left.
      assertEquals(out.length < encoded.length - 20, true, out);
    }
  });
  await t.step("text without secrets is unchanged", () => {
    assertEquals(r.redact("nothing to see"), "nothing to see");
  });
});

Deno.test("Redactor refuses secrets too short to redact and is inactive without any", () => {
  assertThrows(() => new Redactor(["abc"]), RangeError, "3 characters");
  const none = new Redactor([]);
  assertEquals([none.active, none.redact("abc"), none.redactValue({ a: 1 })], [
    false,
    "abc",
    { a: 1 },
  ]);
});

Deno.test("Redactor.redactValue() redacts strings and keys of JSON values", () => {
  const r = new Redactor(["topsecret1"]);
  assertEquals(
    r.redactValue({ "k-topsecret1": ["x topsecret1", 3, null, { y: "topsecret1" }], n: true }),
    { "k-***": ["x ***", 3, null, { y: "***" }], n: true },
  );
});

Deno.test("Redactor.redactFile() streams large files and finds secrets across chunks", async () => {
  await using dir = await tempDir();
  const r = new Redactor([SECRET]);
  const secretBytes = new TextEncoder().encode(SECRET);
  // Binary filler with every byte value, a secret across the 1 MiB chunk boundary and one at the end.
  const size = 3 * (1 << 20);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 0xff;
  for (const at of [10, (1 << 20) - 5, (2 << 20) - 1, size - secretBytes.length]) {
    bytes.set(secretBytes, at);
  }
  const path = join(dir.path, "big.bin");
  await Deno.writeFile(path, bytes);
  assertEquals(await r.redactFile(path), true);
  const out = await Deno.readFile(path);
  const expectedSize = size - 4 * (secretBytes.length - REDACTED.length);
  assertEquals(out.length, expectedSize);
  const latin1 = Buffer.from(out).toString("latin1");
  assertEquals(latin1.split(REDACTED).length - 1, 4);
  assertEquals(latin1.includes(Buffer.from(secretBytes).toString("latin1")), false);
  // Bytes around the secrets are kept exactly.
  assertEquals(Array.from(out.subarray(0, 10)), Array.from(bytes.subarray(0, 10)));
  assertEquals(await r.redactFile(path), false);
});

Deno.test("Redactor.redactFolder() redacts files below a folder and leaves links alone", async () => {
  await using dir = await tempDir();
  const r = new Redactor(["topsecret1"]);
  await Deno.mkdir(join(dir.path, "a/artifacts"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "a/stderr.txt"), "x topsecret1\n");
  await Deno.writeTextFile(join(dir.path, "a/artifacts/clean.txt"), "clean\n");
  await Deno.writeTextFile(join(dir.path, "outside.txt"), "topsecret1");
  await Deno.symlink(join(dir.path, "outside.txt"), join(dir.path, "a/artifacts/link.txt"));
  assertEquals(await r.redactFolder(join(dir.path, "a")), ["stderr.txt"]);
  assertEquals(await Deno.readTextFile(join(dir.path, "a/stderr.txt")), "x ***\n");
  assertEquals(await Deno.readTextFile(join(dir.path, "outside.txt")), "topsecret1");
});

Deno.test("redactAttemptFolder() fixes the size and sha256 of redacted artifacts in values.jsonl", async () => {
  await using dir = await tempDir();
  const r = new Redactor(["topsecret1"]);
  await Deno.mkdir(join(dir.path, "artifacts"));
  await Deno.writeTextFile(join(dir.path, "artifacts/report.txt"), "key=topsecret1\n");
  await Deno.writeTextFile(join(dir.path, "artifacts/clean.txt"), "clean\n");
  const line = (name: string, size: number) =>
    JSON.stringify({
      kind: "artifact",
      name,
      path: `artifacts/${name}`,
      size,
      sha256: "0".repeat(64),
      timestamp: "2026-11-30T00:00:00Z",
    });
  await Deno.writeTextFile(
    join(dir.path, "values.jsonl"),
    [
      JSON.stringify({ kind: "value", name: "v", value: "topsecret1", timestamp: "t" }),
      line("report.txt", 15),
      line("clean.txt", 6),
      "not json topsecret1",
      "",
    ].join("\n"),
  );
  const changed = await redactAttemptFolder(dir.path, r);
  assertEquals(changed, ["artifacts/report.txt", "values.jsonl"]);
  const lines = (await Deno.readTextFile(join(dir.path, "values.jsonl"))).split("\n");
  assertEquals(JSON.parse(lines[0]!).value, "***");
  const report = JSON.parse(lines[1]!);
  assertEquals(report.size, "key=***\n".length);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("key=***\n"));
  assertEquals(report.sha256, Buffer.from(digest).toString("hex"));
  assertEquals(JSON.parse(lines[2]!).sha256, "0".repeat(64));
  assertEquals(lines[3], "not json ***");
});
