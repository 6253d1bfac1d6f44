/**
 * A seeded mutation fuzzer of pipeline files and notebooks (`.ipynb`, percent `.py`): 3,000
 * mutated inputs through the library entry points the CLI uses (load, plan and print; read,
 * inject, write), in a worker stopped when a case hangs, and 80 through `cli.ts validate`, `plan`
 * and `convert` as real subprocesses (each costs a process start, about 0.3 s). Every input ends as
 * success or a user error (exit 0 or 2), never a crash, a stack trace or a hang. About 25 to
 * 45 s on a 2-core machine loaded by other test suites (load average 7).
 *
 * Reproduce a failure with the seed and case it prints: `FUZZ_SEED=<seed> deno test -A
 * tests/fuzz_test.ts` (its input is also saved to the file named). `FUZZ_CASES` and
 * `FUZZ_CLI_CASES` change the counts for a deeper run (`FUZZ_CLI_CASES=300`).
 */
import { basename, join } from "node:path";
import { assertEquals, assertOk } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { type Corpus, type FuzzCase, makeCase } from "./fuzz_mutate.ts";
import type { FuzzJob, FuzzMessage } from "./fuzz_worker.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261130);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 3000);
const CLI_CASES = Number(Deno.env.get("FUZZ_CLI_CASES") ?? 80);
/** A case still running after this long is a hang (generous: CI machines are loaded). */
const HANG_MS = 15_000;
/** How long the worker may take to load before its first case. */
const STARTUP_MS = 120_000;
/** A library case slower than this is reported too (the slowest takes 0.3 s on an idle machine). */
const SLOW_MS = 8_000;
/** CLI cases come from another range of indices than the library's. */
const CLI_OFFSET = 1_000_000;

async function readAll(dir: string, ext: RegExp): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of Deno.readDir(join(ROOT, dir))) {
    if (!e.isFile || !ext.test(e.name)) continue;
    const text = await Deno.readTextFile(join(ROOT, dir, e.name));
    if (text.length < 100_000) out.push([`${dir}/${e.name}`, text]);
  }
  return out.sort(([a], [b]) => a < b ? -1 : 1);
}

async function loadCorpus(): Promise<Corpus> {
  const pipelines = [
    ...await readAll("tests/fixtures/pipelines/good", /\.(yaml|json)$/),
    ...await readAll("tests/fixtures/pipelines/run", /\.yaml$/),
    ...await readAll("tests/fixtures/pipelines/secrets", /\.yaml$/),
    ...await readAll("tests/fixtures/pipelines/hostile", /\.yaml$/),
    ...await readAll("examples/mnist-digits-demo-pipeline", /\.yaml$/),
  ];
  const ipynb = [
    ...await readAll("tests/fixtures/notebooks", /\.ipynb$/),
    ...await readAll("tests/fixtures/jupytext/ipynb", /\.ipynb$/),
  ];
  const percent = [
    ...await readAll("tests/fixtures/jupytext/percent", /\.py$/),
    ...await readAll("examples/mnist-digits-demo-pipeline/notebooks", /\.py$/),
    ...await readAll("tests/fixtures/pipelines/run/notebooks", /\.py$/),
  ];
  return { pipeline: pipelines, ipynb, percent };
}

/** Saves a failing input where a person can find it, and says how to reproduce it. */
async function report(index: number, c: FuzzCase, why: string): Promise<string> {
  const ext = c.kind === "pipeline" ? ".yaml" : c.kind === "ipynb" ? ".ipynb" : ".py";
  const file = await Deno.makeTempFile({ prefix: `pynb-fuzz-${SEED}-${index}-`, suffix: ext });
  await Deno.writeTextFile(file, c.text);
  return `seed ${SEED} case ${index} (${c.kind} from ${c.from}, mutations ${
    c.mutations.join(", ")
  }): ` +
    `${why}\n  input saved to ${file}\n  reproduce: FUZZ_SEED=${SEED} deno test -A tests/fuzz_test.ts`;
}

/** Runs the library cases in a worker; a case that does not end within HANG_MS stops it. */
async function libraryCases(
  corpus: Corpus,
): Promise<{ failures: string[]; ok: number; refused: number }> {
  const worker = new Worker(new URL("./fuzz_worker.ts", import.meta.url), { type: "module" });
  const failures: string[] = [];
  let current = -1;
  let since = Date.now();
  const done = Promise.withResolvers<{ ok: number; refused: number }>();
  worker.onmessage = async (e: MessageEvent<FuzzMessage>) => {
    const m = e.data;
    if (m.type === "case") [current, since] = [m.index, Date.now()];
    else if (m.type === "fail") {
      failures.push(await report(m.index, makeCase(SEED, m.index, corpus), m.error));
    } else if (m.type === "slow") {
      failures.push(
        await report(m.index, makeCase(SEED, m.index, corpus), `took ${m.ms.toFixed(0)} ms`),
      );
    } else done.resolve(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    done.reject(new Error(`the fuzz worker died at case ${current}: ${e.message}`));
  };
  const watchdog = setInterval(async () => {
    // Before its first case the worker is still loading (and type-checking) its modules.
    if (Date.now() - since < (current < 0 ? STARTUP_MS : HANG_MS)) return;
    clearInterval(watchdog);
    worker.terminate();
    if (current < 0) failures.push(`the fuzz worker did not start within ${STARTUP_MS / 1000} s`);
    else {
      const why = `did not end within ${HANG_MS / 1000} s (a hang)`;
      failures.push(await report(current, makeCase(SEED, current, corpus), why));
    }
    done.resolve({ ok: 0, refused: 0 });
  }, 250);
  const job: FuzzJob = { seed: SEED, start: 0, count: CASES, corpus, slowMs: SLOW_MS };
  worker.postMessage(job);
  try {
    const counts = await done.promise;
    return { failures, ...counts };
  } finally {
    clearInterval(watchdog);
    worker.terminate();
  }
}

/** Runs one CLI case as a real subprocess, killed (by its own signal) after HANG_MS. */
async function cliCase(index: number, corpus: Corpus, dir: string): Promise<string | undefined> {
  const c = makeCase(SEED, index, corpus);
  let args: string[];
  if (c.kind === "pipeline") {
    // Beside the good fixture's notebooks, so that valid cases get planned too.
    const file = join(dir, `case-${index}.yaml`);
    await Deno.writeTextFile(file, c.text);
    args = index % 2 === 0 ? ["validate", file] : ["plan", file, "--format", "json"];
  } else {
    const file = join(dir, `case-${index}.${c.kind === "ipynb" ? "ipynb" : "py"}`);
    await Deno.writeTextFile(file, c.text);
    args = ["convert", file, "--to", c.kind === "ipynb" ? "py" : "ipynb", "--out", "-"];
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", "--allow-read", join(ROOT, "cli.ts"), ...args],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(HANG_MS),
    }).output();
  } catch (err) {
    return await report(
      index,
      c,
      `cli.ts ${args[0]} did not end within ${HANG_MS / 1000} s: ${err}`,
    );
  }
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0 && out.code !== 2) {
    return await report(index, c, `cli.ts ${args[0]} exited ${out.code}: ${stderr}`);
  }
  if (/Uncaught|\n\s+at /.test(stderr)) {
    return await report(index, c, `cli.ts ${args[0]} printed a stack trace: ${stderr}`);
  }
  if (out.code === 2 && !stderr.startsWith("error: ")) {
    return await report(index, c, `cli.ts ${args[0]} exited 2 without a message: ${stderr}`);
  }
  return undefined;
}

async function cliCases(corpus: Corpus): Promise<{ failures: string[]; codes: number[] }> {
  await using dir = await tempDir("pynb-fuzz-");
  await Deno.copyFile(
    join(ROOT, "tests/fixtures/pipelines/good/pipeline.yaml"),
    join(dir.path, "pipeline.yaml"),
  );
  await new Deno.Command("cp", {
    args: ["-r", join(ROOT, "tests/fixtures/pipelines/good/notebooks"), dir.path],
  }).output();
  const failures: string[] = [];
  const codes: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < CLI_CASES) {
      const index = CLI_OFFSET + next++;
      const failure = await cliCase(index, corpus, dir.path);
      if (failure !== undefined) failures.push(failure);
      codes.push(failure === undefined ? 0 : 1);
    }
  };
  await Promise.all([worker(), worker()]);
  return { failures, codes };
}

Deno.test(`fuzz: ${CASES} mutated pipelines and notebooks through the library, ${CLI_CASES} through cli.ts, end in exit 0 or 2`, async () => {
  const corpus = await loadCorpus();
  assertOk(corpus.pipeline.length >= 8 && corpus.ipynb.length >= 10 && corpus.percent.length >= 10);
  const started = performance.now();
  // The library cases use one core, the CLI processes the other.
  const timed = async <T>(p: Promise<T>): Promise<[T, string]> => {
    const value = await p;
    return [value, ((performance.now() - started) / 1000).toFixed(1)];
  };
  const [[lib, libSeconds], [cli, cliSeconds]] = await Promise.all([
    timed(libraryCases(corpus)),
    timed(cliCases(corpus)),
  ]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz seed ${SEED}: ${CASES} library cases (${lib.ok} accepted, ${lib.refused} refused), ` +
      `${CLI_CASES} cli cases (library ${libSeconds} s, cli ${cliSeconds} s, in all ${seconds} s)`,
  );
  const failures = [...lib.failures, ...cli.failures];
  assertEquals(
    failures.length,
    0,
    `${failures.length} fuzz failures:\n${failures.slice(0, 5).join("\n\n")}`,
  );
  // Mutations must leave some inputs valid and make others invalid, or the fuzzer tests little.
  assertOk(
    lib.ok > CASES / 50 && lib.refused > CASES / 4,
    `accepted ${lib.ok}, refused ${lib.refused}`,
  );
  assertEquals(cli.codes.length, CLI_CASES);
  assertOk(basename(ROOT) !== "");
});
