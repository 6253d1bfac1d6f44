/**
 * `cli.ts summary`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `summary` sub-command. */
export function summaryCommand(): Command {
  return new Command("summary")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot summary: this command is not available yet");
    });
}
