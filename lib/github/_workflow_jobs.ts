/**
 * The pieces of a generated workflow that do not depend on the DAG: actions and their versions,
 * the setup steps of every job, and the last job that merges the parts.
 *
 * @module
 */

/** One step of a job. */
export interface Step {
  name?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string | number | boolean | undefined>;
  env?: Record<string, string> | undefined;
  "continue-on-error"?: boolean;
  run?: string;
}

/** One job. */
export interface Job {
  name: string;
  needs?: string[];
  if?: string;
  "runs-on": string;
  "timeout-minutes": number;
  permissions: Record<string, string>;
  strategy?: unknown;
  steps: Step[];
}

/** The actions generated workflows use, pinned as the repository's own workflows pin them. */
export const ACTIONS = {
  checkout: "actions/checkout@v7",
  setupNode: "actions/setup-node@v7",
  upload: "actions/upload-artifact@v7",
  download: "actions/download-artifact@v8",
} as const;

/** Node.js of the runner (it installs Deno from npm). */
export const NODE_VERSION = 24;

/**
 * Checkout, Deno (pinned in package.json) and, when packages are given, Debian packages.
 *
 * @param apt Debian packages to install; none: no apt step.
 * @returns The steps.
 *
 * @example Steps with Jupyter
 * ```ts
 * import { jobSetupSteps } from "./_workflow_jobs.ts";
 * const steps = jobSetupSteps(["python3-nbclient"]);
 * console.assert(steps.length === 4 && steps[3]!.run!.includes("python3-nbclient"));
 * ```
 */
export function jobSetupSteps(apt: string[]): Step[] {
  const steps: Step[] = [
    { uses: ACTIONS.checkout, with: { "persist-credentials": false } },
    { uses: ACTIONS.setupNode, with: { "node-version": NODE_VERSION, cache: "npm" } },
    {
      name: "Install Deno (pinned in package.json)",
      run: 'npm ci --no-audit --no-fund\necho "$PWD/node_modules/.bin" >> "$GITHUB_PATH"\n',
    },
  ];
  if (apt.length > 0) {
    steps.push({
      name: "Install Jupyter and the notebooks' Python packages",
      run: "sudo apt-get update -qq\nsudo apt-get install -y -qq --no-install-recommends \\\n  " +
        `${[...apt].sort().join(" ")}\n`,
    });
  }
  return steps;
}

/**
 * Posts the step summary as one pull-request comment, updated on each push; only on pull
 * requests from the repository itself (a fork's token cannot write) and with
 * `PYNB_PR_COMMENT` set to `true`.
 */
export const COMMENT_STEP: Step = {
  name: "Comment on the pull request",
  if: "${{ !cancelled() && env.PYNB_PR_COMMENT == 'true' && github.event_name == 'pull_request' " +
    "&& github.event.pull_request.head.repo.full_name == github.repository }}",
  "continue-on-error": true,
  env: {
    GITHUB_TOKEN: "${{ github.token }}",
    PR_NUMBER: "${{ github.event.pull_request.number }}",
    RUN_URL: "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
  },
  run: "test ! -s run-summary.md ||\n" +
    "  deno run --allow-read=run-summary.md --allow-net=api.github.com --allow-env=GITHUB_TOKEN \\\n" +
    '  cli.ts comment run-summary.md --repo "$GITHUB_REPOSITORY" --pr "$PR_NUMBER" --full-url "$RUN_URL"\n',
};

/**
 * The last job: downloads every part, merges them into one run folder, keeps it as the
 * `pynb-run-v1-<run id>-<attempt>` artifact (which the site's publish job collects) and writes the
 * step summary. It runs whatever happened before it, unless the workflow was cancelled.
 *
 * @param needs Every job that runs instances.
 * @returns The job.
 *
 * @example The merge job
 * ```ts
 * import { mergeJob } from "./_workflow_jobs.ts";
 * const job = mergeJob(["run-a", "run-b"]);
 * console.assert(job.if === "${{ !cancelled() }}" && job.needs?.length === 2);
 * ```
 */
export function mergeJob(needs: string[]): Job {
  return {
    name: "merge the parts into one run",
    needs,
    if: "${{ !cancelled() }}",
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 20,
    permissions: { contents: "read", "pull-requests": "write" },
    steps: [
      ...jobSetupSteps([]),
      {
        name: "Download every part",
        uses: ACTIONS.download,
        with: { pattern: "pynb-part-*", path: "parts" },
      },
      {
        name: "Merge the parts into one run folder",
        run: 'deno run --allow-read --allow-write cli.ts merge parts/*/"$RUN_ID" --out runs\n',
      },
      {
        name: "Keep the run folder as an artifact",
        if: "${{ !cancelled() }}",
        uses: ACTIONS.upload,
        with: {
          name: "pynb-run-v1-${{ github.run_id }}-${{ github.run_attempt }}",
          path: "runs/",
          "retention-days": 90,
          "if-no-files-found": "warn",
        },
      },
      {
        name: "Write the step summary",
        if: "${{ !cancelled() }}",
        run: 'if [ -d "runs/$RUN_ID" ]; then\n' +
          '  deno run --allow-read cli.ts summary "runs/$RUN_ID" > run-summary.md\n' +
          '  cat run-summary.md >> "$GITHUB_STEP_SUMMARY"\n' +
          "fi\n",
      },
      COMMENT_STEP,
    ],
  };
}
