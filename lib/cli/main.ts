/**
 * The command line: one commander program with a sub-command per file in this folder.
 *
 * @module
 */
import { Command, CommanderError } from "../../deps.ts";
import { UserError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { validateCommand } from "./validate.ts";
import { planCommand } from "./plan.ts";
import { runCommand } from "./run.ts";
import { convertCommand } from "./convert.ts";
import { siteCommand } from "./site.ts";
import { summaryCommand } from "./summary.ts";
import { commentCommand } from "./comment.ts";
import { collectCommand } from "./collect.ts";
import { mergeCommand } from "./merge.ts";
import { workflowCommand } from "./workflow.ts";
import { cacheCommand } from "./cache.ts";

const encoder = new TextEncoder();
// commander reads colour variables from the environment by default; answering here keeps
// `validate` and `plan` runnable with `--allow-read` alone.
const OUTPUT = {
  writeErr: (s: string) => void Deno.stderr.writeSync(encoder.encode(s)),
  writeOut: (s: string) => void Deno.stdout.writeSync(encoder.encode(s)),
  getOutHasColors: () => false,
  getErrHasColors: () => false,
  getOutHelpWidth: () => 100,
  getErrHelpWidth: () => 100,
};

/** Exit code for a user's mistake (bad input, wrong flag). */
export const EXIT_USAGE = 2;

/**
 * Builds the commander program with every sub-command.
 *
 * @returns The program; call `parseAsync(args, { from: "user" })` on it.
 */
export function buildProgram(): Command {
  const program = new Command("pynb-dag-runner")
    .description("Run a DAG of Jupyter notebooks and publish every run as a static website.")
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput(OUTPUT);
  for (
    const cmd of [
      validateCommand(),
      planCommand(),
      runCommand(),
      convertCommand(),
      siteCommand(),
      summaryCommand(),
      collectCommand(),
      commentCommand(),
      mergeCommand(),
      workflowCommand(),
      cacheCommand(),
    ]
  ) {
    for (const c of [cmd, ...cmd.commands]) {
      c.exitOverride().configureOutput(OUTPUT).showHelpAfterError("(add --help for usage)");
    }
    program.addCommand(cmd);
  }
  return program;
}

/**
 * Runs the command line and returns its exit code: 0 success, 1 a run with failures,
 * 2 a user error, 130 interrupted. User errors print one message, without a stack trace.
 *
 * @param args The arguments after the program name.
 * @returns The exit code.
 */
export async function runCli(args: string[]): Promise<number> {
  const program = buildProgram();
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" || err.code === "commander.version" ||
        err.code === "commander.help"
      ) {
        return 0;
      }
      return EXIT_USAGE;
    }
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      console.error(
        `error: ${err.message}\nRun the command with the permission flags listed in its --help.`,
      );
      return EXIT_USAGE;
    }
    throw err;
  }
}
