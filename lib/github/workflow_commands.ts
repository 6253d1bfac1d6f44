/**
 * GitHub Actions workflow commands (`::error file=p.yaml,line=3::message`): the lines a step
 * prints to annotate a workflow run or a pull request's diff. Messages and properties are escaped
 * the way the Actions runner reads them, so text from a pipeline or a notebook can neither end a
 * command early nor start another one (`::add-mask::`, `::stop-commands::`).
 *
 * @module
 */

/** Where an annotation belongs and its title; every property is optional. */
export interface AnnotationProperties {
  /** File path, relative to the workspace. */
  file?: string | undefined;
  /** Line in `file`, from 1. */
  line?: number | undefined;
  /** Column in `line`, from 1. */
  col?: number | undefined;
  /** Title shown above the message. */
  title?: string | undefined;
}

/** The annotation levels of the Actions runner. */
export type AnnotationLevel = "error" | "warning" | "notice";

/**
 * Escapes the message of a workflow command (the escapes of `@actions/core`): a message ends at
 * a line break, so `%`, CR and LF are encoded.
 *
 * @param text Any text.
 * @returns The text on one line.
 *
 * @example Escaping a message
 * ```ts
 * import { escapeData } from "./workflow_commands.ts";
 * console.assert(escapeData("100%\nnext") === "100%25%0Anext");
 * ```
 */
export function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/**
 * Escapes a property of a workflow command: as {@linkcode escapeData}, and also `:` and `,`,
 * which end a property.
 *
 * @param text Any text.
 * @returns The text, safe as a property value.
 *
 * @example Escaping a file name
 * ```ts
 * import { escapeProperty } from "./workflow_commands.ts";
 * console.assert(escapeProperty("a,b:c.yaml") === "a%2Cb%3Ac.yaml");
 * ```
 */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

/**
 * One annotation as a workflow command line: `::<level> file=..,line=..,col=..,title=..::message`,
 * properties in that order and only those given.
 *
 * @param level `error`, `warning` or `notice`.
 * @param message The message (escaped here).
 * @param properties Where it belongs and its title (escaped here).
 * @returns The command, without a trailing newline.
 *
 * @example An error on a line of a file
 * ```ts
 * import { annotation } from "./workflow_commands.ts";
 * console.assert(
 *   annotation("error", "must be a string", { file: "p.yaml", line: 1, title: "Invalid" }) ===
 *     "::error file=p.yaml,line=1,title=Invalid::must be a string",
 * );
 * ```
 */
export function annotation(
  level: AnnotationLevel,
  message: string,
  properties: AnnotationProperties = {},
): string {
  const props = [
    ...(properties.file === undefined ? [] : [`file=${escapeProperty(properties.file)}`]),
    ...(properties.line === undefined ? [] : [`line=${properties.line}`]),
    ...(properties.col === undefined ? [] : [`col=${properties.col}`]),
    ...(properties.title === undefined ? [] : [`title=${escapeProperty(properties.title)}`]),
  ];
  return `::${level}${props.length ? ` ${props.join(",")}` : ""}::${escapeData(message)}`;
}
