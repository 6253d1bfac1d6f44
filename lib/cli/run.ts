/**
 * `cli.ts run`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `run` sub-command. */
export function runCommand(): Command {
  return new Command("run")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot run: this command is not available yet");
    });
}
