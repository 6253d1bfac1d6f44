import { join } from "node:path";
import {
  assertEquals,
  assertRejects,
  assertStringIncludes,
  strToU8,
  zipSync,
} from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { UnsafeArchiveError } from "./errors.ts";
import { entryParts, extractRunFolders } from "./zip.ts";

async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(...await listTree(join(dir, e.name), `${rel}/`));
    else out.push(rel);
  }
  return out.sort();
}

const RUN = { "run.json": strToU8("{}"), "spans.jsonl": strToU8("") };

Deno.test("extractRunFolders() writes each top-level run folder and skips present ones", async () => {
  await using dir = await tempDir();
  const zip = zipSync({
    "r1": { ...RUN, tasks: { a: { "attempt-1": { "notebook.ipynb": strToU8("nb") } } } },
    "r2": RUN,
    "README.txt": strToU8("not a run"),
  });
  const first = await extractRunFolders(zip, dir.path, { name: "art" });
  assertEquals(first, { written: ["r1", "r2"], present: [] });
  assertEquals(await listTree(dir.path), [
    "r1/run.json",
    "r1/spans.jsonl",
    "r1/tasks/a/attempt-1/notebook.ipynb",
    "r2/run.json",
    "r2/spans.jsonl",
  ]);
  assertEquals(
    await Deno.readTextFile(join(dir.path, "r1/tasks/a/attempt-1/notebook.ipynb")),
    "nb",
  );
  const second = await extractRunFolders(zip, dir.path, { name: "art" });
  assertEquals(second, { written: [], present: ["r1", "r2"] });
});

Deno.test("extractRunFolders() names a root-level run folder after the archive", async () => {
  await using dir = await tempDir();
  const res = await extractRunFolders(zipSync(RUN), dir.path, { name: "pynb-run-v1-7-1" });
  assertEquals(res.written, ["pynb-run-v1-7-1"]);
  assertEquals(await listTree(dir.path), [
    "pynb-run-v1-7-1/run.json",
    "pynb-run-v1-7-1/spans.jsonl",
  ]);
});

Deno.test("extractRunFolders() refuses unsafe archives and writes nothing", async (t) => {
  const cases: [string, Uint8Array, string][] = [
    [
      "a path escape",
      zipSync({ "r1/run.json": strToU8("{}"), "r1/../../evil": strToU8("x") }),
      "not a safe relative path",
    ],
    [
      "an absolute path",
      zipSync({ "r1/run.json": strToU8("{}"), "/etc/evil": strToU8("x") }),
      "not a safe relative path",
    ],
    [
      "a backslash path",
      zipSync({ "r1/run.json": strToU8("{}"), "r1\\..\\evil": strToU8("x") }),
      "not a safe relative path",
    ],
    [
      "a symbolic link",
      zipSync({
        r1: RUN,
        "r1/link": [strToU8("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
      }),
      "is a symbolic link",
    ],
    [
      "a zip bomb",
      zipSync({ r1: { ...RUN, big: new Uint8Array(32 * 1024 * 1024) } }),
      "zip bomb",
    ],
    ["no run folder", zipSync({ "notes.txt": strToU8("x") }), "holds no run folder"],
    ["a corrupt zip", strToU8("PK\u0003\u0004 this is not a zip at all"), "the zip is corrupt"],
    ["a hidden folder name", zipSync({ ".git": RUN }), "is not allowed"],
  ];
  for (const [what, zip, message] of cases) {
    await t.step(what, async () => {
      await using dir = await tempDir();
      await assertRejects(
        () => extractRunFolders(zip, dir.path, { name: "art" }),
        UnsafeArchiveError,
        message,
      );
      assertEquals(await listTree(dir.path), []);
    });
  }
  await t.step("more bytes than allowed", async () => {
    await using dir = await tempDir();
    const zip = zipSync({ r1: { ...RUN, data: new Uint8Array(2000) } });
    await assertRejects(
      () => extractRunFolders(zip, dir.path, { maxTotalBytes: 1000 }),
      UnsafeArchiveError,
      "unpacks to more than 1000 bytes",
    );
  });
});

Deno.test("entryParts() accepts nested relative names only", () => {
  assertEquals(entryParts("a/b/"), ["a", "b"]);
  for (const bad of ["", "a//b", "./a", "a/./b", "C:/x", "a\u0000b"]) {
    assertEquals(entryParts(bad), undefined, bad);
  }
  assertStringIncludes(String(entryParts("a/b.txt")), "b.txt");
});
