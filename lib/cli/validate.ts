/**
 * `cli.ts validate`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `validate` sub-command. */
export function validateCommand(): Command {
  return new Command("validate")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot validate: this command is not available yet");
    });
}
