import { join } from "node:path";
import { assertEquals } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";
import { readImports } from "./_import_rules.ts";

/** The parts of `deno.lock` (format 5) this test reads. */
interface Lockfile {
  specifiers: Record<string, string>;
  npm: Record<string, { dependencies?: string[]; optionalDependencies?: string[] }>;
}

const SKIP = new Set(["node_modules", ".git", "_site", "runs", "out"]);

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory && !SKIP.has(entry.name)) out.push(...await tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** `npm:@scope/name@1.2.3/sub/path` -> `npm:@scope/name@1.2.3`. */
function packageSpecifier(specifier: string): string {
  const m = /^npm:((?:@[^/]+\/)?[^/@]+@[^/]+)/.exec(specifier);
  return m ? `npm:${m[1]}` : specifier;
}

/** Every npm specifier imported by a TypeScript file of the repository, without sub-paths. */
async function importedPackages(): Promise<string[]> {
  const found = new Set<string>();
  for (const file of await tsFiles("")) {
    for (const ref of readImports(file, await Deno.readTextFile(join(ROOT, file)))) {
      if (ref.specifier.startsWith("npm:")) found.add(packageSpecifier(ref.specifier));
    }
  }
  return [...found].sort();
}

/** The lock's package key of a dependency: `name` alone when the lock holds one version. */
function packageKey(lock: Lockfile, dep: string): string[] {
  if (dep in lock.npm) return [dep];
  return Object.keys(lock.npm).filter((key) => key.startsWith(`${dep}@`));
}

/** Packages of the lock that no imported specifier leads to. */
function unreachable(lock: Lockfile): string[] {
  const seen = new Set<string>();
  const todo = Object.entries(lock.specifiers).map(([spec, version]) =>
    `${packageSpecifier(spec).slice("npm:".length).replace(/@[^@]+$/, "")}@${version}`
  );
  while (todo.length > 0) {
    const key = todo.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock.npm[key];
    for (const dep of [...entry?.dependencies ?? [], ...entry?.optionalDependencies ?? []]) {
      todo.push(...packageKey(lock, dep));
    }
  }
  // Deno adds Node's type definitions itself, to type-check npm packages.
  return Object.keys(lock.npm).filter((key) => !seen.has(key) && !key.startsWith("@types/node@"));
}

Deno.test("deno.lock lists exactly the npm packages the code imports, and nothing they do not need", async () => {
  const lock = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.lock"))) as Lockfile;
  assertEquals(
    Object.keys(lock.specifiers).sort(),
    await importedPackages(),
    "deno.lock and the imports differ: delete deno.lock and run `deno check --frozen=false`",
  );
  assertEquals(unreachable(lock), [], "deno.lock holds packages nothing imports");
});

Deno.test("unreachable() finds a package left behind by a removed import", () => {
  const lock: Lockfile = {
    specifiers: { "npm:a@1.0.0": "1.0.0" },
    npm: { "a@1.0.0": { dependencies: ["b"] }, "b@2.0.0": {}, "c@3.0.0": { dependencies: ["b"] } },
  };
  assertEquals(unreachable(lock), ["c@3.0.0"]);
});

Deno.test("package.json reviews every install script that npm ci meets (no npm warning, and npm 12 runs Deno's)", async () => {
  // npm 11.16+ warns about dependencies whose install scripts `allowScripts` does not cover, and
  // npm 12 skips them: Deno's postinstall must stay approved for `npm ci` to bring a working Deno.
  const out = await new Deno.Command("npm", {
    args: ["install-scripts", "ls", "--json"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const pending = (JSON.parse(text) as { allowScripts: { name: string }[] }).allowScripts;
  assertEquals(pending.map((p) => p.name), [], `not reviewed in package.json's allowScripts`);
});
