/**
 * The command line: one commander program with a sub-command per file in this folder.
 *
 * @module
 */
import { Command, CommanderError } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { mark } from "../_base/timeline.ts";

/**
 * Each sub-command's module, loaded only when it runs (or for the list in `--help`): a command
 * pays only for its own packages, so `validate` and `plan` load no OpenTelemetry, Eta or marked,
 * and `--version` none at all.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./validate.ts")).validateCommand(),
  plan: async () => (await import("./plan.ts")).planCommand(),
  run: async () => (await import("./run.ts")).runCommand(),
  convert: async () => (await import("./convert.ts")).convertCommand(),
  site: async () => (await import("./site.ts")).siteCommand(),
  summary: async () => (await import("./summary.ts")).summaryCommand(),
  comment: async () => (await import("./comment.ts")).commentCommand(),
  collect: async () => (await import("./collect.ts")).collectCommand(),
  merge: async () => (await import("./merge.ts")).mergeCommand(),
  workflow: async () => (await import("./workflow.ts")).workflowCommand(),
  cache: async () => (await import("./cache.ts")).cacheCommand(),
};

/** Whether `name` is a sub-command. */
function isCommand(name: string | undefined): name is string {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

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
 * Builds the commander program with the given sub-commands (all of them by default).
 *
 * @param names The sub-commands to load; `[]` for none (enough for `--version`).
 * @returns The program; call `parseAsync(args, { from: "user" })` on it.
 */
export async function buildProgram(names: string[] = Object.keys(COMMANDS)): Promise<Command> {
  const program = new Command("pynb-dag-runner")
    .description("Run a DAG of Jupyter notebooks and publish every run as a static website.")
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput(OUTPUT);
  const commands = await Promise.all(names.filter(isCommand).map((name) => COMMANDS[name]!()));
  for (const cmd of commands) {
    for (const c of [cmd, ...cmd.commands]) {
      c.exitOverride().configureOutput(OUTPUT).showHelpAfterError("(add --help for usage)");
    }
    program.addCommand(cmd);
  }
  return program;
}

/**
 * The sub-commands that `args` needs: its sub-command alone, none for `--version`, else every
 * one (the program's help lists them, and an unknown one is answered with the nearest name).
 */
function commandsFor(args: string[]): string[] | undefined {
  const first = args[0];
  if (isCommand(first)) return [first];
  if (args.length === 1 && (first === "--version" || first === "-V")) return [];
  return undefined;
}

/**
 * Runs the command line and returns its exit code: 0 success, 1 a run with failures,
 * 2 a user error, 130 interrupted. User errors print one message, without a stack trace.
 *
 * @param args The arguments after the program name.
 * @returns The exit code.
 */
export async function runCli(args: string[]): Promise<number> {
  mark("deno start", performance.timeOrigin);
  mark("cli loaded");
  const program = await buildProgram(commandsFor(args));
  mark("command loaded");
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    mark("exit");
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
