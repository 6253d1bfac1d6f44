/**
 * `cli.ts convert`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `convert` sub-command. */
export function convertCommand(): Command {
  return new Command("convert")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot convert: this command is not available yet");
    });
}
