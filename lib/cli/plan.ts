/**
 * `cli.ts plan`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `plan` sub-command. */
export function planCommand(): Command {
  return new Command("plan")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot plan: this command is not available yet");
    });
}
