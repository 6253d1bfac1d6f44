/**
 * `.ci/run` and `ci.yml` on a GitHub Ubuntu runner, which cannot exist here: the distribution's
 * package tools (`apt-cache`, `apt-get`), `sudo`, `npm` and `deno` are stand-ins that record
 * what they were asked, on a copy of the script. What is tested is the script's own logic:
 * which browser package it installs and which browser the tests are told to use.
 *
 * @module
 */
import { join } from "node:path";
import { parseDocument } from "../deps.ts";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const STUBS: Record<string, string> = {
  id: "echo 0",
  // Debian has a chromium package; Ubuntu has only the snap wrapper chromium-browser.
  // FAKE_POLICY_TAIL lines follow the candidate, as apt-cache's version table does: a reader that
  // stops at the first match must not make the check fail (SIGPIPE under pipefail).
  "apt-cache": 'if [ "$FAKE_DISTRO" = debian ]; then\n' +
    '  printf "chromium:\\n  Installed: (none)\\n  Candidate: 156.0.8078.114-1~deb12u1\\n"\n' +
    '  for _ in $(seq "${FAKE_POLICY_TAIL:-0}"); do echo "     500 http://deb.debian.org/debian bookworm/main amd64 Packages"; done\n' +
    'else\n  printf "chromium:\\n  Installed: (none)\\n  Candidate: (none)\\n"\nfi',
  "apt-get": 'echo "apt-get $*" >> "$PWD/calls.log"',
  npm: "true",
  // sudo resets the environment but keeps the assignments given on its command line.
  sudo: 'vars=(); while [[ $1 == *=* ]]; do vars+=("$1"); shift; done\n' +
    'exec env -i PATH="$PATH" FAKE_DISTRO="$FAKE_DISTRO" "${vars[@]}" "$@"',
};
const DENO_STUB = 'if [ "$1" = task ]; then\n' +
  '  echo "deno task $2 PYNB_BROWSER=${PYNB_BROWSER-unset}" >> "$PWD/calls.log"\n' +
  '  echo "ok | 1 passed | 0 failed (1s)"\nfi';

async function writeStub(dir: string, name: string, body: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
}

/** Runs `command` in a copy of the repository's `.ci/run` setting, returns what was called. */
async function simulate(command: string, env: Record<string, string>): Promise<string[]> {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, ".ci"));
  for (const file of ["run", "debian-packages"]) {
    await Deno.copyFile(join(ROOT, ".ci", file), join(dir.path, ".ci", file));
  }
  for (const [name, body] of Object.entries(STUBS)) {
    await writeStub(join(dir.path, "stubs"), name, body);
  }
  await writeStub(join(dir.path, "node_modules", ".bin"), "deno", DENO_STUB);
  const res = await new Deno.Command("bash", {
    args: ["-e", "-c", command],
    cwd: dir.path,
    clearEnv: true,
    env: { PATH: `${join(dir.path, "stubs")}:/usr/bin:/bin`, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  assertEquals(res.code, 0, out);
  assertStringIncludes(out, "tests: 1 passed, 0 failed");
  return (await Deno.readTextFile(join(dir.path, "calls.log"))).trim().split("\n");
}

function installed(calls: string[]): string[] {
  const install = calls.find((c) => c.startsWith("apt-get install"));
  assertOk(install, calls.join("\n"));
  return install.split(/\s+/);
}

Deno.test(".ci/run installs Debian's chromium, and uses the runner's Chrome where there is none", async (t) => {
  await t.step("Debian: the chromium package, the tests' default path", async () => {
    const calls = await simulate("bash .ci/run", { FAKE_DISTRO: "debian" });
    assertOk(installed(calls).includes("chromium"));
    assertEquals(calls.at(-1), "deno task ok PYNB_BROWSER=unset");
  });
  await t.step("Debian with a long version table: still the chromium package", async () => {
    // 4,000 lines (about 300 KB), far more than a pipe holds: a check that reads only up to the
    // candidate line and exits would kill apt-cache while it is still writing.
    for (let i = 0; i < 3; i++) {
      const calls = await simulate("bash .ci/run", {
        FAKE_DISTRO: "debian",
        FAKE_POLICY_TAIL: "4000",
      });
      assertOk(installed(calls).includes("chromium"), calls.join("\n"));
    }
  });
  await t.step("every package of .ci/debian-packages is installed, and nothing else", async () => {
    const listed = (await Deno.readTextFile(join(ROOT, ".ci", "debian-packages"))).split("\n")
      .map((line) => line.replace(/#.*/, "").trim()).filter((line) => line !== "");
    const calls = await simulate("bash .ci/run", { FAKE_DISTRO: "debian" });
    const args = installed(calls).filter((arg) => !arg.startsWith("-"));
    assertEquals(args.slice(2).sort(), [...listed].sort());
  });
  await t.step("Ubuntu with CHROME_BIN: no package, the runner's Chrome", async () => {
    const calls = await simulate("bash .ci/run", {
      FAKE_DISTRO: "ubuntu",
      CHROME_BIN: "/usr/bin/google-chrome",
    });
    assertOk(!installed(calls).includes("chromium"), calls.join("\n"));
    assertEquals(calls.at(-1), "deno task ok PYNB_BROWSER=/usr/bin/google-chrome");
  });
  await t.step("an explicit PYNB_BROWSER wins, and no package is installed", async () => {
    const calls = await simulate("bash .ci/run", {
      FAKE_DISTRO: "debian",
      PYNB_BROWSER: "/opt/chrome/chrome",
    });
    assertOk(!installed(calls).includes("chromium"));
    assertEquals(calls.at(-1), "deno task ok PYNB_BROWSER=/opt/chrome/chrome");
  });
});

Deno.test("ci.yml passes the runner's Chrome through sudo to .ci/run", async () => {
  const wf = parseDocument(await Deno.readTextFile(join(ROOT, ".github/workflows/ci.yml")))
    .toJS() as { jobs: { check: { steps: { run?: string }[] } } };
  const step = wf.jobs.check.steps.find((s) => s.run?.includes(".ci/run"));
  assertOk(step?.run);
  // The runner image's environment: CHROME_BIN is set, and sudo does not pass it on by itself.
  const calls = await simulate(step.run, {
    FAKE_DISTRO: "ubuntu",
    CHROME_BIN: "/usr/bin/google-chrome",
  });
  assertOk(!installed(calls).includes("chromium"));
  assertEquals(calls.at(-1), "deno task ok PYNB_BROWSER=/usr/bin/google-chrome");
});
