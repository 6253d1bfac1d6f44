/**
 * `cli.ts site`. Placeholder until its issue lands.
 *
 * @module
 */
import { Command } from "../../deps.ts";
import { UserError } from "../errors.ts";

/** Builds the `site` sub-command. */
export function siteCommand(): Command {
  return new Command("site")
    .description("(not yet available)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UserError("Cannot site: this command is not available yet");
    });
}
