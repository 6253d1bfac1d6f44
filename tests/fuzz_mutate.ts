/**
 * The seeded mutation fuzzer's generator and oracles: case `i` of seed `s` is always the same
 * input, so a failure is reproduced from the two numbers alone (`FUZZ_SEED=s`, then case `i`).
 *
 * @module
 */
import { UserError } from "../lib/errors.ts";
import { injectParameters } from "../lib/notebook/inject.ts";
import { parseIpynb, serializeIpynb } from "../lib/notebook/ipynb.ts";
import { parsePercent, writePercent } from "../lib/notebook/percent.ts";
import { planPipeline } from "../lib/plan/plan.ts";
import { formatPlan } from "../lib/plan/format.ts";
import { parsePipeline } from "../lib/spec/load.ts";

/** What a fuzz case is parsed as. */
export type FuzzKind = "pipeline" | "ipynb" | "percent";

/** One generated input. */
export interface FuzzCase {
  kind: FuzzKind;
  /** The seed file it was mutated from. */
  from: string;
  /** The mutations applied, for the failure message. */
  mutations: string[];
  text: string;
}

/** Seed files by kind: name and text. */
export type Corpus = Record<FuzzKind, [name: string, text: string][]>;

/** mulberry32: a small, fast, seedable generator of numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens that YAML, JSON, notebooks and the pipeline schema give meaning to. */
const TOKENS: Record<FuzzKind, string[]> = {
  pipeline: [
    "&a ",
    "*a",
    "&b [*a, *a, *a]",
    "<<: *a\n",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    ", ",
    "\n",
    "\n  ",
    "\t",
    '"',
    "'",
    "\\u0000",
    "\0",
    "#",
    "---\n",
    "...\n",
    "? ",
    "!!binary ",
    "!!set ",
    "!!map ",
    "!!str ",
    "!custom ",
    ".inf",
    ".nan",
    "~",
    "null",
    "1e999",
    "-0",
    "0x1F",
    "99999999999999999999999",
    "needs: [a]",
    "needs: a",
    "matrix: {k: [1, 2]}",
    "matrix: {}",
    "timeout: 0",
    "timeout: 1h30m",
    "retries: -1",
    "secrets: [TOKEN]",
    "env: {A: 1}",
    "P: 1",
    "class: 1",
    "notebook: x.ipynb",
    "notebook: ../../etc/passwd.py",
    "tasks:",
    "name: ",
    "parameters: {a: 1}",
    "é",
    "\u2028",
    "\ufeff",
    "%",
    "@",
    "`",
    "|\n  ",
    ">-\n  ",
  ],
  ipynb: [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "null",
    "true",
    "1e999",
    "-1",
    '"cells"',
    '"source"',
    '"outputs"',
    '"metadata"',
    '"nbformat": 5',
    '"nbformat_minor": -1',
    '"cell_type": "raw"',
    '"cell_type": "x"',
    '"execution_count": "a"',
    '"id": ""',
    '"tags": ["parameters"]',
    '"output_type": "error"',
    '"text/html"',
    '"image/png"',
    "\\u0000",
    "\\ud800",
    "\\",
    "é",
    '"jupytext": {"formats": 1}',
    '"kernelspec": null',
    '"language_info": []',
  ],
  percent: [
    "# %%\n",
    "# %% [markdown]\n",
    "# %% [raw]\n",
    '# %% tags=["parameters"]\n',
    "# %% {}\n",
    "# %% {bad json\n",
    "# ---\n",
    "# jupyter:\n",
    "#   jupytext:\n",
    "#     formats: 1\n",
    "#   a: &a [*a]\n",
    "#   kernelspec: null\n",
    "# ",
    "#",
    "\n",
    "\n\n\n",
    "%matplotlib inline\n",
    "!ls\n",
    "?x\n",
    "# %%%\n",
    '"""\n',
    "'''\n",
    "\\",
    "\r\n",
    "\r",
    "\0",
    "\t",
    "é",
    "\ufeff",
    "# region\n",
    "# endregion\n",
    "# + {}\n",
    "# -\n",
    "    ",
  ],
};

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function int(rand: () => number, max: number): number {
  return Math.floor(rand() * max);
}

type Mutation = (text: string, rand: () => number, kind: FuzzKind, corpus: Corpus) => string;

/** Each mutation keeps the input small enough for thousands of cases a minute. */
const MUTATIONS: Record<string, Mutation> = {
  insertToken: (t, r, k) => {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + pick(r, TOKENS[k]) + t.slice(at);
  },
  replaceToken: (t, r, k) => {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + pick(r, TOKENS[k]) + t.slice(at + 1 + int(r, 8));
  },
  deleteRange: (t, r) => {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + t.slice(at + 1 + int(r, 40));
  },
  duplicateRange: (t, r) => {
    const at = int(r, t.length + 1);
    const part = t.slice(at, at + 1 + int(r, 80));
    return t.slice(0, at) + part.repeat(1 + int(r, 4)) + t.slice(at);
  },
  flipByte: (t, r) => {
    const at = int(r, t.length);
    return t.slice(0, at) + String.fromCharCode(int(r, 256)) + t.slice(at + 1);
  },
  truncate: (t, r) => t.slice(0, int(r, t.length + 1)),
  swapLines: (t, r) => {
    const lines = t.split("\n");
    const a = int(r, lines.length);
    const b = int(r, lines.length);
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    return lines.join("\n");
  },
  reindentLine: (t, r) => {
    const lines = t.split("\n");
    const i = int(r, lines.length);
    lines[i] = " ".repeat(int(r, 9)) + lines[i]!.trimStart();
    return lines.join("\n");
  },
  repeatLine: (t, r) => {
    const lines = t.split("\n");
    const i = int(r, lines.length);
    lines.splice(i, 0, ...Array(2 + int(r, 200)).fill(lines[i]));
    return lines.join("\n");
  },
  nest: (t, r) => {
    const at = int(r, t.length + 1);
    const depth = 1 + int(r, 400);
    const [open, close] = r() < 0.5 ? ["[", "]"] : ["{a: ", "}"];
    return t.slice(0, at) + open.repeat(depth) + "1" + close.repeat(depth) + t.slice(at);
  },
  splice: (t, r, k, corpus) => {
    const [, other] = pick(r, corpus[k]);
    const a = int(r, t.length + 1);
    const b = int(r, other.length + 1);
    return t.slice(0, a) + other.slice(b, b + int(r, 400)) + t.slice(a + int(r, 100));
  },
};
const NAMES = Object.keys(MUTATIONS);

/**
 * Inputs past this length are cut: the bounds on size have tests of their own, and YAML garbage
 * costs the parser about 30 us a byte (linear, but thousands of cases must fit in a minute).
 */
const MAX_CASE_CHARS = 30_000;

/**
 * Case `index` of `seed`: a seed file of a kind chosen by the index, with one to five mutations.
 *
 * @param seed The run's seed.
 * @param index The case number.
 * @param corpus The seed files.
 * @returns The input.
 */
export function makeCase(seed: number, index: number, corpus: Corpus): FuzzCase {
  const rand = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const kinds: FuzzKind[] = ["pipeline", "pipeline", "ipynb", "percent"];
  const kind = kinds[index % kinds.length]!;
  const [from, original] = pick(rand, corpus[kind]);
  let text = original;
  const mutations: string[] = [];
  for (let n = 1 + int(rand, 5); n > 0; n--) {
    const name = pick(rand, NAMES);
    mutations.push(name);
    text = MUTATIONS[name]!(text, rand, kind, corpus).slice(0, MAX_CASE_CHARS);
  }
  return { kind, from, mutations, text };
}

/**
 * Runs a case through the library as the CLI would (load, plan and print a pipeline; read,
 * inject parameters into, and write a notebook both ways).
 *
 * @param c The case.
 * @returns `"ok"` or `"refused"` (a `UserError`, which the CLI prints with exit 2).
 * @throws Anything else: a bug the fuzzer reports.
 */
export function runCase(c: FuzzCase): "ok" | "refused" {
  try {
    if (c.kind === "pipeline") {
      const plan = planPipeline(parsePipeline(c.text, { file: "/fuzz/pipeline.yaml" }));
      formatPlan(plan, "json");
      formatPlan(plan, "text");
    } else {
      const path = c.kind === "ipynb" ? "fuzz.ipynb" : "fuzz.py";
      const nb = c.kind === "ipynb" ? parseIpynb(c.text, { path }) : parsePercent(c.text, { path });
      const context = { runId: "r", taskId: "t", instanceId: "t", attempt: 1 };
      const { notebook } = injectParameters(nb, { n: 1, s: "x" }, context);
      serializeIpynb(notebook);
      writePercent(nb);
    }
    return "ok";
  } catch (err) {
    if (err instanceof UserError) return "refused";
    throw err;
  }
}
