import { join } from "node:path";
import { assertEquals } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import { CI_ENV_NAMES, readCiContext } from "./ci_context.ts";

function env(vars: Record<string, string>) {
  const read: string[] = [];
  return {
    read,
    reader: {
      get(name: string) {
        read.push(name);
        return vars[name];
      },
    },
  };
}

const BASE = {
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "octo/demo",
  GITHUB_WORKFLOW: "demo pipeline",
  GITHUB_RUN_ID: "123456",
  GITHUB_RUN_ATTEMPT: "2",
  GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
  GITHUB_ACTOR: "octocat",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_TOKEN: "ghs_secret",
  ACTIONS_RUNTIME_TOKEN: "secret",
};

Deno.test("readCiContext() reads a pull request run: head branch, PR number, run URL", () => {
  const { reader, read } = env({
    ...BASE,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_REF: "refs/pull/42/merge",
    GITHUB_REF_NAME: "42/merge",
    GITHUB_HEAD_REF: "feature/x",
  });
  assertEquals(readCiContext(reader), {
    trigger: "pull_request",
    ci: {
      provider: "github",
      repository: "octo/demo",
      workflow: "demo pipeline",
      runId: "123456",
      runAttempt: "2",
      event: "pull_request",
      ref: "refs/pull/42/merge",
      branch: "feature/x",
      commit: "0123456789abcdef0123456789abcdef01234567",
      pullRequest: 42,
      actor: "octocat",
      url: "https://github.com/octo/demo/actions/runs/123456",
    },
  });
  // Only the documented names are read: never a token.
  assertEquals(read.every((name) => CI_ENV_NAMES.includes(name)), true);
  assertEquals(read.some((name) => /TOKEN|SECRET|KEY|PASSWORD/.test(name)), false);
});

Deno.test("readCiContext() maps events to triggers", async (t) => {
  const cases = [
    ["schedule", "schedule"],
    ["push", "push"],
    ["workflow_dispatch", "manual"],
    ["pull_request_target", "pull_request"],
    ["repository_dispatch", "manual"],
  ] as const;
  for (const [event, trigger] of cases) {
    await t.step(event, () => {
      const { reader } = env({ ...BASE, GITHUB_EVENT_NAME: event, GITHUB_REF: "refs/heads/main" });
      const origin = readCiContext(reader);
      assertEquals(origin.trigger, trigger);
      assertEquals(origin.ci?.branch, "main");
      assertEquals(origin.ci?.pullRequest, undefined);
    });
  }
});

Deno.test("readCiContext() is local outside GitHub Actions and has no branch for a tag", () => {
  assertEquals(readCiContext(env({ GITHUB_REPOSITORY: "octo/demo" }).reader), {
    trigger: "local",
  });
  const tag = readCiContext(
    env({ ...BASE, GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/tags/v1.0" }).reader,
  );
  assertEquals(tag.ci?.ref, "refs/tags/v1.0");
  assertEquals(tag.ci?.branch, undefined);
});

Deno.test("readCiContext() treats a variable it was not granted as unset", async () => {
  await using dir = await tempDir();
  const script = join(dir.path, "ci.ts");
  const module = new URL("./ci_context.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { readCiContext } from ${JSON.stringify(module)};\n` +
      `console.log(JSON.stringify(readCiContext()));\n`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--allow-env=GITHUB_ACTIONS,GITHUB_REPOSITORY", script],
    env: { ...BASE, GITHUB_EVENT_NAME: "push" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), {
    trigger: "manual",
    ci: { provider: "github", repository: "octo/demo" },
  });
});
