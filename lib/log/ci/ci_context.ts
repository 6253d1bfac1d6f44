/**
 * The CI context of a run: where it ran and what started it, read from the GitHub Actions
 * variables listed in {@linkcode CI_ENV_NAMES} and nothing else, so `--allow-env=<names>` can list
 * them and no secret or token is ever read.
 *
 * @module
 */
import type { CiContext, Trigger } from "../schema.ts";

/** Every environment variable the CI context reads. None of them holds a secret. */
export const CI_ENV_NAMES: readonly string[] = [
  "GITHUB_ACTIONS",
  "GITHUB_REPOSITORY",
  "GITHUB_WORKFLOW",
  "GITHUB_RUN_ID",
  "GITHUB_RUN_ATTEMPT",
  "GITHUB_EVENT_NAME",
  "GITHUB_REF",
  "GITHUB_REF_NAME",
  "GITHUB_HEAD_REF",
  "GITHUB_SHA",
  "GITHUB_ACTOR",
  "GITHUB_SERVER_URL",
] as const;

/** Reads one environment variable; `Deno.env` is one. */
export interface EnvReader {
  /** The value, or `undefined` when the variable is not set. */
  get(name: string): string | undefined;
}

/** Where a run ran and what started it. */
export interface RunOrigin {
  /** What started the run: `local` outside CI. */
  trigger: Trigger;
  /** The GitHub Actions context, when the run ran there. */
  ci?: CiContext;
}

/**
 * Reads an environment variable only when the process may, so that a command granted a scoped
 * `--allow-env` treats a variable it was not granted as unset instead of failing.
 */
const denoEnv: EnvReader = {
  get(name) {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  },
};

function eventToTrigger(event: string | undefined): Trigger {
  switch (event) {
    case "schedule":
      return "schedule";
    case "pull_request":
    case "pull_request_target":
    case "merge_group":
      return "pull_request";
    case "push":
      return "push";
    default:
      // workflow_dispatch, repository_dispatch, workflow_call, ...: started by someone.
      return "manual";
  }
}

/**
 * Reads the CI context of the current process from the GitHub Actions variables.
 *
 * @param env Where to read the variables.
 * @default `Deno.env`, reading only the variables the process was granted
 * @returns `trigger: "local"` and no `ci` outside GitHub Actions.
 *
 * @example A pull request run
 * ```ts
 * import { readCiContext } from "./ci_context.ts";
 * const vars: Record<string, string> = {
 *   GITHUB_ACTIONS: "true",
 *   GITHUB_REPOSITORY: "octo/demo",
 *   GITHUB_EVENT_NAME: "pull_request",
 *   GITHUB_REF: "refs/pull/7/merge",
 *   GITHUB_HEAD_REF: "feature",
 * };
 * const origin = readCiContext({ get: (name) => vars[name] });
 * console.assert(origin.trigger === "pull_request");
 * console.assert(origin.ci?.pullRequest === 7 && origin.ci.branch === "feature");
 * ```
 */
export function readCiContext(env: EnvReader = denoEnv): RunOrigin {
  const get = (name: string) => {
    const v = env.get(name);
    return v === undefined || v === "" ? undefined : v;
  };
  const repository = get("GITHUB_REPOSITORY");
  if (get("GITHUB_ACTIONS") !== "true" || repository === undefined) return { trigger: "local" };

  const event = get("GITHUB_EVENT_NAME");
  const ref = get("GITHUB_REF");
  const pr = ref?.match(/^refs\/pull\/(\d+)\/(?:merge|head)$/);
  const headRef = get("GITHUB_HEAD_REF");
  let branch: string | undefined;
  if (headRef !== undefined) branch = headRef;
  else if (ref?.startsWith("refs/heads/")) branch = ref.slice("refs/heads/".length);
  else if (ref === undefined) branch = get("GITHUB_REF_NAME");

  const runId = get("GITHUB_RUN_ID");
  const server = get("GITHUB_SERVER_URL") ?? "https://github.com";
  const ci: CiContext = { provider: "github", repository };
  const set = <K extends keyof CiContext>(key: K, value: CiContext[K] | undefined) => {
    if (value !== undefined) ci[key] = value;
  };
  set("workflow", get("GITHUB_WORKFLOW"));
  set("runId", runId);
  set("runAttempt", get("GITHUB_RUN_ATTEMPT"));
  set("event", event);
  set("ref", ref);
  set("branch", branch);
  set("commit", get("GITHUB_SHA"));
  set("pullRequest", pr?.[1] === undefined ? undefined : Number(pr[1]));
  set("actor", get("GITHUB_ACTOR"));
  set(
    "url",
    runId === undefined
      ? undefined
      : `${server.replace(/\/+$/, "")}/${repository}/actions/runs/${runId}`,
  );
  return { trigger: eventToTrigger(event), ci };
}
