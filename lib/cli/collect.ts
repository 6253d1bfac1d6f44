/**
 * `cli.ts collect`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `collect` sub-command. */
export function collectCommand(): Command {
  return new Command("collect")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot collect: this command is not available yet");
    });
}
