/**
 * The command line's parser, alone so that `cli.ts --version` loads nothing else. Pinned like
 * everything in `deps.ts`.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@15.1.0";
