import { join, relative, sep } from "node:path";
import { assertEquals } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";
import {
  checkLibFile,
  formatViolations,
  type ImportRef,
  RANKS,
  readImports,
  type Violation,
} from "./_import_rules.ts";

/** Every `.ts` file under `dir`, as `/`-separated paths relative to the repository. */
async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "fixtures" && entry.name !== "out") {
      out.push(...await tsFiles(path));
    } else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

async function importsOf(file: string): Promise<ImportRef[]> {
  return readImports(file, await Deno.readTextFile(join(ROOT, file)));
}

/**
 * Broken rules known when the check was introduced, each to be fixed where it is (the owner of the
 * file removes its line here with the fix). The test fails on any other violation, and on a line
 * here that no longer happens, so this list only shrinks. Lines are left out, so that other edits
 * of these files do not move them.
 */
const KNOWN: readonly string[] = [];

Deno.test("lib/ imports point forward in the data flow, never into another folder's private file", async () => {
  const violations: Violation[] = [];
  for (const file of await tsFiles("lib")) {
    violations.push(...checkLibFile(ROOT, file, await importsOf(file)));
  }
  const unplaced = (v: Violation) => formatViolations([{ ...v, line: -1 }]);
  const fresh = violations.filter((v) => !KNOWN.includes(unplaced(v)));
  const fixed = KNOWN.filter((known) => !violations.some((v) => unplaced(v) === known));
  assertEquals(
    { fresh: formatViolations(fresh), fixed },
    { fresh: "", fixed: [] },
    `Import ranks: ${RANKS.join(" < ")} (docs/architecture.md).\n` +
      (fresh.length ? `Imports that break the rules:\n${formatViolations(fresh)}\n` : "") +
      (fixed.length ? `Fixed, so remove them from KNOWN:\n${fixed.join("\n")}\n` : ""),
  );
});

Deno.test("bench/ and examples/ do not import from tests/", async () => {
  const found: string[] = [];
  for (const file of [...await tsFiles("bench"), ...await tsFiles("examples")]) {
    if (file.endsWith("_test.ts")) continue;
    for (const ref of await importsOf(file)) {
      const target = relative(ROOT, join(ROOT, file, "..", ref.specifier)).split(sep).join("/");
      if (target.startsWith("tests/")) found.push(`${file}:${ref.line}: import "${ref.specifier}"`);
    }
  }
  assertEquals(found, []);
});

Deno.test("checkLibFile() names the file, line and import of each broken rule", async (t) => {
  const check = (file: string, source: string) =>
    formatViolations(checkLibFile(ROOT, file, readImports(file, source)));
  await t.step("an import from a later stage", () => {
    assertEquals(
      check("lib/spec/a.ts", '/** import "../cli/x.ts" */\nimport { x } from "../plan/x.ts";\n'),
      'lib/spec/a.ts:2: import "../plan/x.ts": spec/ (rank 1) imports plan/ (rank 2), a later ' +
        "stage: move the shared part down to the lower stage or to lib/_base/",
    );
  });
  await t.step("earlier stages, the base and the root of lib/ are fine", () => {
    assertEquals(
      check(
        "lib/site/a.ts",
        'import type { A } from "../log/schema.ts";\nexport * from "../_base/json.ts";\n' +
          'import { UserError } from "../errors.ts";\nimport { z } from "../../deps.ts";\n' +
          'import { join } from "node:path";\nimport { h } from "./_html.ts";\n',
      ),
      "",
    );
  });
  await t.step("a folder without a rank, on both ends", () => {
    assertEquals(
      check("lib/misc/a.ts", 'export { b } from "../extra/b.ts";\n'),
      "lib/misc/a.ts: lib/misc/ has no rank: add it to RANKS in tests/_import_rules.ts and to " +
        "docs/architecture.md\n" +
        'lib/misc/a.ts:1: import "../extra/b.ts": imports from lib/extra/, a folder without a rank',
    );
  });
  await t.step("another folder's private file, even of an earlier stage", () => {
    assertEquals(
      check("lib/github/a.ts", '\n\nconst m = await import("../site/_html.ts");\n'),
      'lib/github/a.ts:3: import "../site/_html.ts": imports lib/site/_html.ts, a file private ' +
        "to site/ (rank 8)",
    );
  });
  await t.step("third-party modules, tests and YAML parsing outside their seams", () => {
    assertEquals(
      check(
        "lib/spec/a.ts",
        'import { z } from "npm:zod@4.6.7";\nimport { parseDocument } from "../../deps.ts";\n' +
          'import { assertEquals } from "../../tests/_deps.ts";\n',
      ),
      'lib/spec/a.ts:1: import "npm:zod@4.6.7": imports a third-party module directly: add it ' +
        "to deps.ts and import it from there\n" +
        'lib/spec/a.ts:2: import "../../deps.ts": parses YAML outside lib/_base/yaml.ts, the one ' +
        "seam that may call the yaml parser\n" +
        'lib/spec/a.ts:3: import "../../tests/_deps.ts": imports tests/_deps.ts from outside ' +
        "lib/ (only tests may import tests/)",
    );
    assertEquals(check("lib/spec/a_test.ts", 'import { a } from "../../tests/_deps.ts";\n'), "");
  });
});
