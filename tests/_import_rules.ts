/**
 * The import-direction rules of `lib/`, checked by `architecture_test.ts` (see
 * `docs/architecture.md`).
 *
 * Each folder of `lib/` is one stage of the data flow and has a rank; a file may import from its
 * own folder and from folders of a lower rank, never from a later stage. Files at the root of
 * `lib/` (`errors.ts`, `version.ts`) count as the base. A file whose name starts with `_` is
 * private to its folder. Imports are read with Deno's own parser (the lint plugin API), so
 * comments, strings and doc examples never count.
 *
 * @module
 */
import { dirname, relative, resolve, sep } from "node:path";

/** The folders of `lib/` in data-flow order: a folder may import only from itself and earlier. */
export const RANKS: readonly string[] = [
  "_base",
  "spec",
  "plan",
  "notebook",
  "log",
  "execute",
  "cache",
  "slurm",
  "site",
  "github",
  "run",
  "cli",
];

/** The one file of `lib/` that may import the `yaml` package's parser (see its module doc). */
export const YAML_SEAM = "lib/_base/yaml.ts";

/** One `import`, `export ... from` or `import("...")` of a file. */
export interface ImportRef {
  /** The specifier as written. */
  specifier: string;
  /** Line of the statement, from 1. */
  line: number;
  /** The imported names (`*` for a namespace import, `default` for a default import). */
  names: string[];
}

/** A broken rule: the file, the line, the import and why it is not allowed. */
export interface Violation {
  /** Path relative to the repository root, `/`-separated. */
  file: string;
  /** Line of the import, from 1 (0 for a rule about the file itself, -1 for "not shown"). */
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** Why it breaks the rules. */
  reason: string;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function importedName(node: Deno.lint.ImportDeclaration["specifiers"][number]): string {
  if (node.type === "ImportNamespaceSpecifier") return "*";
  if (node.type === "ImportDefaultSpecifier") return "default";
  return node.imported.type === "Identifier" ? node.imported.name : node.imported.value;
}

const COLLECTOR: Deno.lint.Plugin = {
  name: "imports",
  rules: {
    collect: {
      create(ctx) {
        const report = (node: Deno.lint.Node, specifier: string, names: string[]) =>
          ctx.report({ node, message: JSON.stringify({ specifier, names }) });
        return {
          ImportDeclaration(node) {
            report(node, node.source.value, node.specifiers.map(importedName));
          },
          ExportNamedDeclaration(node) {
            if (node.source !== null) report(node, node.source.value, []);
          },
          ExportAllDeclaration(node) {
            report(node, node.source.value, ["*"]);
          },
          ImportExpression(node) {
            if (node.source.type === "Literal" && typeof node.source.value === "string") {
              report(node, node.source.value, ["*"]);
            }
          },
        };
      },
    },
  },
};

/**
 * Every import of a TypeScript source, read with Deno's parser. Only works under `deno test`
 * (it uses `Deno.lint.runPlugin`).
 *
 * @param path The file's path (for the parser's diagnostics).
 * @param source Its text.
 * @returns The imports, in source order.
 */
export function readImports(path: string, source: string): ImportRef[] {
  return Deno.lint.runPlugin(COLLECTOR, path, source).map((d) => {
    const { specifier, names } = JSON.parse(d.message) as { specifier: string; names: string[] };
    return { specifier, names, line: lineOf(source, d.range[0]) };
  });
}

/** The folder of a `lib/` file (`""` for the root of `lib/`) and whether it is private. */
function placeOf(libPath: string): { folder: string; private: boolean } {
  const parts = libPath.split("/");
  const name = parts.at(-1) ?? "";
  return { folder: parts.length > 1 ? parts[0]! : "", private: name.startsWith("_") };
}

function rankOf(folder: string): number {
  return folder === "" ? 0 : RANKS.indexOf(folder);
}

function describe(folder: string): string {
  return folder === "" ? "lib/ (root, ranked as _base)" : `${folder}/ (rank ${rankOf(folder)})`;
}

/** Folders outside `lib/` that a unit test beside the code may import from. */
const TEST_ONLY = ["tests/", "testing/", "deps_test.ts"];

/**
 * Checks the imports of one file of `lib/` against the rules.
 *
 * @param root Absolute path of the repository.
 * @param file Path of the file relative to `root`, `/`-separated, starting with `lib/`.
 * @param imports The file's imports.
 * @returns The broken rules, in source order.
 */
export function checkLibFile(root: string, file: string, imports: ImportRef[]): Violation[] {
  const out: Violation[] = [];
  const from = placeOf(file.slice("lib/".length));
  const isTest = file.endsWith("_test.ts");
  if (rankOf(from.folder) < 0) {
    out.push({
      file,
      line: 0,
      specifier: "",
      reason: `lib/${from.folder}/ has no rank: add it to RANKS in tests/_import_rules.ts ` +
        `and to docs/architecture.md`,
    });
  }
  for (const ref of imports) {
    const bad = (reason: string) =>
      out.push({ file, line: ref.line, specifier: ref.specifier, reason });
    if (ref.names.includes("parseDocument") && file !== YAML_SEAM) {
      bad(`parses YAML outside ${YAML_SEAM}, the one seam that may call the yaml parser`);
    }
    if (!ref.specifier.startsWith(".")) {
      if (!ref.specifier.startsWith("node:")) {
        bad("imports a third-party module directly: add it to deps.ts and import it from there");
      }
      continue;
    }
    const target = relative(root, resolve(root, dirname(file), ref.specifier)).split(sep)
      .join("/");
    if (!target.startsWith("lib/")) {
      if (target === "deps.ts" || /^deps\/[a-z_]+\.ts$/.test(target)) continue;
      if (isTest && TEST_ONLY.some((t) => target === t || target.startsWith(t))) continue;
      bad(
        `imports ${target} from outside lib/` + (isTest ? "" : " (only tests may import tests/)"),
      );
      continue;
    }
    const to = placeOf(target.slice("lib/".length));
    if (rankOf(to.folder) < 0) {
      bad(`imports from lib/${to.folder}/, a folder without a rank`);
    } else if (rankOf(from.folder) >= 0 && rankOf(to.folder) > rankOf(from.folder)) {
      bad(
        `${describe(from.folder)} imports ${describe(to.folder)}, a later stage: ` +
          `move the shared part down to the lower stage or to lib/_base/`,
      );
    }
    if (to.private && to.folder !== from.folder) {
      bad(`imports ${target}, a file private to ${describe(to.folder)}`);
    }
  }
  return out;
}

/**
 * Formats violations one per line: `lib/spec/x.ts:7: import "../plan/y.ts": why` (without the
 * line number when `line` is negative).
 *
 * @param violations The broken rules.
 * @returns The text.
 */
export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => {
    if (v.line === 0) return `${v.file}: ${v.reason}`;
    const where = v.line < 0 ? v.file : `${v.file}:${v.line}`;
    return `${where}: import ${JSON.stringify(v.specifier)}: ${v.reason}`;
  }).join("\n");
}
