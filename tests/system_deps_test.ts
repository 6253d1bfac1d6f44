/**
 * What the driver, the demo and the tests take from the system, and that `.ci/run` installs it.
 *
 * Every Python module imported anywhere in the project (the driver's files, notebooks, Python
 * sources inside TypeScript strings) that is neither the standard library nor one of the runner's
 * own modules must be declared below with its Debian package, and every command run from the
 * system likewise; each of those packages must be listed in `.ci/debian-packages`, which `.ci/run`
 * installs, and nothing is listed there that nothing uses. On a Debian machine that has them, the
 * declared package is checked against the one that really owns the module's or command's file.
 *
 * @module
 */
import { join, relative } from "node:path";
import { parseDocument } from "../deps.ts";
import { assertEquals, assertOk } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";

/** Third-party Python modules: the Debian package that provides each, and why it is needed. */
const PYTHON_MODULES: Readonly<Record<string, { package: string; why: string }>> = {
  nbclient: { package: "python3-nbclient", why: "the driver executes notebooks with it" },
  nbformat: { package: "python3-nbformat", why: "the driver reads and writes notebooks" },
  jupyter_client: { package: "python3-jupyter-client", why: "kernel connections, fork server" },
  jupyter_core: { package: "python3-jupyter-core", why: "kernelspec paths in Python detection" },
  ipykernel: { package: "python3-ipykernel", why: "the Python kernel and its zygote" },
  IPython: { package: "python3-ipython", why: "the zygote preloads the shell" },
  zmq: { package: "python3-zmq", why: "the forked kernels' sockets" },
  traitlets: { package: "python3-traitlets", why: "the drivers' kernel spec lookup" },
  debugpy: { package: "python3-debugpy", why: "a cell imports it in a kernel forked without it" },
  numpy: { package: "python3-numpy", why: "the demo's notebooks" },
  sklearn: { package: "python3-sklearn", why: "the demo's notebooks" },
  joblib: { package: "python3-joblib", why: "the demo's notebooks" },
  matplotlib: { package: "python3-matplotlib", why: "figures in the demo and the tests" },
  yaml: { package: "python3-yaml", why: "the percent format's header is compared with PyYAML's" },
};

/** A command run from the system: its package and the files that run it. */
interface SystemCommand {
  command: string;
  package: string;
  /** A listed package that depends on `package` directly, where `package` itself is not listed. */
  via?: string;
  usedBy: string[];
}

const COMMANDS: readonly SystemCommand[] = [
  {
    command: "python3",
    package: "python3-minimal",
    via: "python3",
    usedBy: ["examples/_environment.ts", "lib/execute/python.ts"],
  },
  { command: "chromium", package: "chromium", usedBy: ["tests/_helpers.ts"] },
  {
    command: "jq",
    package: "jq",
    // Generated workflows read each job's arguments from its JSON data variable with jq.
    usedBy: ["lib/github/workflow.ts", ".github/workflows/demo-pipeline-jobs.yml"],
  },
  {
    command: "curl",
    package: "curl",
    usedBy: [".github/workflows/demo-pipeline.yml", "docs/github-workflow-template.yml"],
  },
  { command: "munged", package: "munge", usedBy: ["testing/slurm_cluster.ts"] },
  { command: "mungekey", package: "munge", usedBy: ["testing/slurm_cluster.ts"] },
  { command: "slurmctld", package: "slurmctld", usedBy: ["testing/slurm_cluster.ts"] },
  { command: "slurmd", package: "slurmd", usedBy: ["testing/slurm_cluster.ts"] },
  { command: "sbatch", package: "slurm-client", usedBy: ["lib/slurm/commands.ts"] },
  { command: "squeue", package: "slurm-client", usedBy: ["lib/slurm/commands.ts"] },
  { command: "scancel", package: "slurm-client", usedBy: ["lib/slurm/commands.ts"] },
];

/** Commands from Debian's essential packages, on every Debian and Ubuntu system. */
const ESSENTIAL_COMMANDS: Readonly<Record<string, string>> = {
  bash: "bash",
  sh: "dash",
  cp: "coreutils",
  mkfifo: "coreutils",
  sleep: "coreutils",
  true: "coreutils",
  cat: "coreutils",
  head: "coreutils",
  tail: "coreutils",
  sort: "coreutils",
  tr: "coreutils",
  mkdir: "coreutils",
  mv: "coreutils",
  rm: "coreutils",
  find: "findutils",
  setsid: "util-linux",
};

/** Commands of the machine's Node.js, which `.ci/run` needs before anything else (npm brings Deno). */
const NODE_COMMANDS: Readonly<Record<string, string>> = {
  deno: "npm ci brings it (package.json); every task and workflow step runs it",
  npm: "tests/lockfile_test.ts checks that package.json reviews every install script npm meets",
};

/** Workflows whose `run:` steps the tests execute with bash (tests/workflows_test.ts, _actions_sim.ts). */
const WORKFLOWS = [
  ".github/workflows/ci.yml",
  ".github/workflows/demo-pipeline.yml",
  ".github/workflows/demo-pipeline-jobs.yml",
  "docs/github-workflow-template.yml",
];

/** Commands of workflow steps that only GitHub's runners execute: no test runs these steps. */
const RUNNER_ONLY: Readonly<Record<string, string>> = {
  sudo: "the apt-get install steps, which the tests replace by .ci/run's install",
};

/** Listed packages that provide no module or command but files another package uses. */
const RESOURCES: Readonly<Record<string, string>> = {
  "fonts-dejavu-core": "Chromium needs a font to lay out the site's text in the browser tests",
};

/** Where the project's Python and commands live. */
const SCANNED = ["lib", "tests", "testing", "examples"];
/** Text that looks like Python but is never executed. */
const NOT_SCANNED = [
  // Other projects' notebooks, converted by the format tests.
  "tests/fixtures/jupytext",
  // Cell sources of synthetic run folders, rendered by the site tests.
  "tests/fixtures/make_runs.ts",
  // The scanner's own examples below.
  "tests/system_deps_test.ts",
];
const EXTENSIONS = [".py", ".ts", ".ipynb", ".yaml", ".yml"];

/**
 * `import a, b.c` and `from a.b import c` at the start of a line, also inside a string (after a
 * quote, or after an escaped newline in JSON or TypeScript source). TypeScript's own imports
 * (`import {`, `import * as`, `import "x"`, `import type`) do not match.
 */
const IMPORT =
  /(?:^|["'`;]|\\n)[ \t]*(?:import[ \t]+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)(?:[ \t]+as[ \t]+\w+)?[ \t]*(?=$|[;#]|\\n|["'`])|from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t])/gm;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path);
    if (NOT_SCANNED.includes(rel) || entry.name === "node_modules") continue;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.isFile && EXTENSIONS.some((ext) => entry.name.endsWith(ext))) yield path;
  }
}

/** Top-level Python module names imported in `text`. */
export function pythonImports(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(IMPORT)) {
    for (const name of (m[1] ?? m[2] ?? "").split(",")) {
      const top = name.trim().split(".")[0];
      if (top) found.add(top);
    }
  }
  return [...found];
}

async function pythonModulesUsed(): Promise<Map<string, string[]>> {
  const used = new Map<string, string[]>();
  for (const dir of SCANNED) {
    for await (const path of sourceFiles(join(ROOT, dir))) {
      for (const name of pythonImports(await Deno.readTextFile(path))) {
        used.set(name, [...(used.get(name) ?? []), relative(ROOT, path)]);
      }
    }
  }
  return used;
}

/** The runner's own Python modules: the files beside the driver and the notebook API. */
async function ownModules(): Promise<Set<string>> {
  const own = new Set<string>();
  for (const dir of ["lib/execute", "lib/execute/python"]) {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      if (entry.name.endsWith(".py")) own.add(entry.name.slice(0, -3));
    }
  }
  return own;
}

async function listedPackages(): Promise<string[]> {
  return (await Deno.readTextFile(join(ROOT, ".ci", "debian-packages"))).split("\n")
    .map((line) => line.replace(/#.*/, "").trim()).filter((line) => line !== "");
}

const SYSTEM_PYTHON = "/usr/bin/python3";

async function run(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** The Debian package owning `path` (or the file a link at `path` points to). */
async function owner(path: string): Promise<string | undefined> {
  const real = await Deno.realPath(path);
  // With merged /usr, dpkg knows /bin/bash and /sbin/x by the names the packages ship.
  const unmerged = [path, real].map((p) => p.replace(/^\/usr\/(s?bin)\//, "/$1/"));
  for (const candidate of [path, real, ...unmerged]) {
    const out = await run("dpkg-query", ["-S", candidate]);
    // "pkg: /path" lines; dpkg-divert's "diversion by dash from: /bin/sh" lines are not owners.
    const found = out?.split("\n").filter((line) => !line.startsWith("diversion "))
      .map((line) => line.split(":")[0]?.trim()).find((name) => name);
    if (found) return found;
  }
  return undefined;
}

async function onPath(command: string): Promise<string | undefined> {
  for (
    const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
  ) {
    try {
      if ((await Deno.stat(join(dir, command))).isFile) return join(dir, command);
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

const hasDpkg = (await run("dpkg-query", ["--version"])) !== undefined;

Deno.test("the import scanner finds Python imports in every form the project writes them", () => {
  const ts = 'const src = "import numpy as np\\nfrom sklearn.svm import SVC\\nimport os, json";\n' +
    'import { join } from "node:path";\nimport * as x from "./x.ts";\nimport "./side.ts";\n' +
    "const cell = `import matplotlib.pyplot as plt`;\n";
  assertEquals(pythonImports(ts).sort(), ["json", "matplotlib", "numpy", "os", "sklearn"]);
  const py =
    "import yaml\nfrom IPython.core import x\n  import zmq  # indented\nx = 1 # import no\n";
  assertEquals(pythonImports(py).sort(), ["IPython", "yaml", "zmq"]);
});

Deno.test("every third-party Python module the project imports is declared and installed", async () => {
  const stdlib = await run(SYSTEM_PYTHON, [
    "-c",
    "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))",
  ]);
  assertOk(stdlib, `${SYSTEM_PYTHON} must run to tell the standard library apart`);
  const std = new Set(stdlib.split("\n"));
  const own = await ownModules();
  const used = await pythonModulesUsed();
  const thirdParty = [...used.keys()].filter((name) => !std.has(name) && !own.has(name)).sort();
  const undeclared = thirdParty.filter((name) => !(name in PYTHON_MODULES));
  assertEquals(
    undeclared.map((name) => `${name} (${used.get(name)?.slice(0, 3).join(", ")})`),
    [],
    "imported, but not in PYTHON_MODULES: declare its Debian package and list it in .ci/debian-packages",
  );
  for (const name of Object.keys(PYTHON_MODULES)) {
    assertOk(used.has(name), `${name} is declared but nothing imports it: remove it`);
  }
  const listed = await listedPackages();
  for (const [name, { package: pkg }] of Object.entries(PYTHON_MODULES)) {
    assertOk(
      listed.includes(pkg),
      `${pkg} (for the Python module ${name}) is not in .ci/debian-packages`,
    );
  }
});

Deno.test("every command run from the system is declared, used and installed", async () => {
  const listed = await listedPackages();
  for (const c of COMMANDS) {
    assertOk(
      listed.includes(c.via ?? c.package),
      `${c.via ?? c.package} (for ${c.command}) is not in .ci/debian-packages`,
    );
    for (const file of c.usedBy) {
      const text = await Deno.readTextFile(join(ROOT, file));
      assertOk(new RegExp(`\\b${c.command}\\b`).test(text), `${file} does not run ${c.command}`);
    }
  }
  // A literal command name in a subprocess call must be declared (the CLI's own sub-commands
  // are `Command("name")` of the argument parser, told apart by their folder).
  const declared = new Set([
    ...COMMANDS.map((c) => c.command),
    ...Object.keys(ESSENTIAL_COMMANDS),
    ...Object.keys(NODE_COMMANDS),
  ]);
  const spawned = new Map<string, string>();
  for (const dir of SCANNED) {
    for await (const path of sourceFiles(join(ROOT, dir))) {
      if (!path.endsWith(".ts") || relative(ROOT, path).startsWith("lib/cli/")) continue;
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(/new Deno\.Command\(\s*"([^"]+)"/g)) {
        spawned.set(m[1]!, relative(ROOT, path));
      }
    }
  }
  const unknown = [...spawned].filter(([cmd]) => !declared.has(cmd)).map(([cmd, file]) =>
    `${cmd} (${file})`
  );
  assertEquals(
    unknown,
    [],
    "run from the system but not declared in COMMANDS, ESSENTIAL_COMMANDS or NODE_COMMANDS",
  );
});

/** Shell words that are not commands run from the system. */
const SHELL_WORDS = new Set(
  ("if then else elif fi for do done while until case esac in function return export local set " +
    "shift exit echo printf test [ [[ ] ]] true false cd read trap wait eval exec source . : " +
    "break continue unset declare shopt mapfile readonly let").split(" "),
);

/**
 * The words of a shell script in command position (at the start of a line, or after `|`, `&&`,
 * `||`, `;`, `$(`, `(`, `then`, `do`, `else`), without variable assignments before them. Words
 * of strings and comments come too: the caller keeps those that name a real command.
 */
export function commandWords(script: string): string[] {
  const found = new Set<string>();
  for (const line of script.split("\n")) {
    for (const segment of line.split(/\|\||&&|\||;|\$\(|\(|`|\bthen\b|\bdo\b|\belse\b/)) {
      const words = segment.trim().split(/\s+/);
      while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
      const word = (words[0] ?? "").replace(/\)+$/, "");
      if (/^[a-z][a-z0-9_.-]*$/.test(word) && !SHELL_WORDS.has(word)) found.add(word);
    }
  }
  return [...found];
}

Deno.test("commandWords() finds the commands of a step, after pipes, assignments and substitutions", () => {
  assertEquals(
    commandWords(
      'x=1 curl -sS "$u" | tail -n 1\nif [ -d a ]; then rm -rf a; fi\ny=$(find . | sort)',
    ),
    ["curl", "tail", "rm", "find", "sort"],
  );
});

Deno.test("every command a workflow step runs is declared, and installed by .ci/run where a test runs it", async () => {
  const declared = new Set([
    ...COMMANDS.map((c) => c.command),
    ...Object.keys(ESSENTIAL_COMMANDS),
    ...Object.keys(NODE_COMMANDS),
    ...Object.keys(RUNNER_ONLY),
  ]);
  const undeclared: string[] = [];
  const used = new Set<string>();
  for (const file of WORKFLOWS) {
    const workflow = parseDocument(await Deno.readTextFile(join(ROOT, file))).toJS() as {
      jobs: Record<string, { steps?: { run?: string }[] }>;
    };
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        for (const word of commandWords(step.run ?? "")) {
          used.add(word);
          // Words of messages and comments name no installed program; a command does.
          const entry = `${word} (${file})`;
          if (
            !declared.has(word) && !undeclared.includes(entry) && await onPath(word) !== undefined
          ) undeclared.push(entry);
        }
      }
    }
  }
  assertEquals(undeclared, [], "run by a workflow step but not declared");
  for (const command of Object.keys(RUNNER_ONLY)) {
    assertOk(used.has(command), `${command} is declared runner-only but no workflow step runs it`);
  }
});

Deno.test(".ci/debian-packages lists only what something needs", async () => {
  const needed = new Set([
    ...Object.values(PYTHON_MODULES).map((m) => m.package),
    ...COMMANDS.map((c) => c.via ?? c.package),
    ...Object.keys(RESOURCES),
  ]);
  const listed = await listedPackages();
  assertEquals(
    listed.filter((pkg) => !needed.has(pkg)),
    [],
    "listed, but nothing declares a need for it",
  );
  assertEquals(listed.length, new Set(listed).size, "a package is listed twice");
});

Deno.test({
  name: "each declared package is the one that really provides the module or command",
  async fn() {
    assertOk(hasDpkg, "dpkg-query is needed: .ci/run installs with apt-get, on Debian or Ubuntu");
    for (const [name, { package: pkg }] of Object.entries(PYTHON_MODULES)) {
      const file = await run(SYSTEM_PYTHON, ["-c", `import ${name}; print(${name}.__file__)`]);
      assertOk(file, `${SYSTEM_PYTHON} cannot import ${name}: install ${pkg}`);
      assertEquals(
        await owner(file.trim()),
        pkg,
        `the package that provides the Python module ${name}`,
      );
    }
    const all = [
      ...COMMANDS,
      ...Object.entries(ESSENTIAL_COMMANDS).map(([command, pkg]) => ({ command, package: pkg })),
    ];
    for (const c of all) {
      const path = await onPath(c.command);
      assertOk(path, `${c.command} is not installed: it comes with ${c.package}`);
      assertEquals(await owner(path), c.package, `the package that provides ${c.command}`);
    }
    for (const c of COMMANDS) {
      if (!c.via) continue;
      const depends = await run("apt-cache", ["depends", c.via]);
      assertOk(
        depends?.match(new RegExp(`Depends: ${c.package}$`, "m")),
        `${c.via} must depend on ${c.package}`,
      );
    }
    for (const pkg of Object.keys(ESSENTIAL_COMMANDS).map((cmd) => ESSENTIAL_COMMANDS[cmd]!)) {
      assertEquals(
        (await run("dpkg-query", ["-W", "-f=${Essential}", pkg]))?.trim(),
        "yes",
        `${pkg} is essential`,
      );
    }
  },
});
