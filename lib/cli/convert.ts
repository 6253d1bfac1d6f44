/**
 * `cli.ts convert <file> --to ipynb|py [--out F]`: convert a notebook between `.ipynb` and the
 * Jupytext percent format.
 *
 * @module
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { Command, Option } from "../../deps.ts";
import { UserError } from "../errors.ts";
import { serializeIpynb } from "../notebook/ipynb.ts";
import { writePercent } from "../notebook/percent.ts";
import { readNotebook } from "../notebook/read.ts";

/** Formats `convert` writes. */
export const CONVERT_FORMATS = ["ipynb", "py"] as const;
/** One of {@linkcode CONVERT_FORMATS}. */
export type ConvertFormat = typeof CONVERT_FORMATS[number];

/**
 * The conversion would write over its own input, or cannot write its output.
 *
 * @example The error for a conversion onto itself
 * ```ts
 * import { ConvertOutputError } from "./convert.ts";
 * const err = new ConvertOutputError("Cannot write 'a.py': it is the input notebook");
 * console.assert(err.name === "ConvertOutputError");
 * ```
 */
export class ConvertOutputError extends UserError {
  /**
   * @param message What cannot be written and why.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConvertOutputError";
  }
}

interface ConvertFlags {
  to: ConvertFormat;
  out?: string;
}

const encoder = new TextEncoder();

/**
 * Builds the `convert` sub-command. Needs only `--allow-read` and `--allow-write`.
 *
 * @returns The sub-command.
 *
 * @example Converting a percent-format script to a notebook
 * ```sh
 * deno run --allow-read --allow-write cli.ts convert notebooks/train.py --to ipynb
 * ```
 */
export function convertCommand(): Command {
  return new Command("convert")
    .description(
      "Convert a notebook between .ipynb and a Jupytext percent-format .py script.",
    )
    .argument("<file>", "the notebook: .ipynb, or a .py script with # %% cells")
    .addOption(
      new Option("-t, --to <format>", "the format to write").choices(CONVERT_FORMATS)
        .makeOptionMandatory(),
    )
    .option(
      "-o, --out <file>",
      "where to write; '-' prints to standard output (default: next to the input, with the " +
        "new extension)",
    )
    .addHelpText(
      "after",
      `
Converting to .py drops outputs and execution counts (the percent format has none). Converting
a .py written by this command (or by Jupytext) to .ipynb and back gives the same bytes. The
input file is never overwritten; an existing output file is replaced.

Permissions: --allow-read --allow-write

Examples:
  deno run --allow-read --allow-write cli.ts convert notebooks/train.py --to ipynb
  deno run --allow-read --allow-write cli.ts convert analysis.ipynb --to py --out analysis.py
  deno run --allow-read --allow-write cli.ts convert analysis.ipynb --to py --out -
`,
    )
    .action(async (file: string, flags: ConvertFlags) => {
      const nb = await readNotebook(file);
      let text: string;
      if (flags.to === "ipynb") {
        text = serializeIpynb(nb);
      } else {
        text = writePercent(nb, {
          onUnsupportedKeys: (keys) =>
            console.error(
              `warning: metadata ${keys.map((k) => JSON.stringify(k)).join(", ")} cannot be ` +
                "written as '# %%' options and is left out of the .py file",
            ),
        });
      }
      if (flags.out === "-") {
        await Deno.stdout.write(encoder.encode(text));
        return;
      }
      const target = flags.out ??
        join(dirname(file), basename(file, extname(file)) + "." + flags.to);
      await refuseInput(file, target);
      await writeAtomically(target, text);
      console.log(target);
    });
}

async function canonical(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return resolve(path);
  }
}

async function refuseInput(input: string, target: string): Promise<void> {
  if ((await canonical(input)) === (await canonical(target))) {
    throw new ConvertOutputError(
      `Cannot write '${target}': it is the input notebook, which convert never overwrites; ` +
        "give another file with --out, or --out - to print",
    );
  }
}

/** Writes through a temporary file in the same folder, so a failed write leaves no half file. */
async function writeAtomically(target: string, text: string): Promise<void> {
  const tmp = join(
    dirname(target),
    `.${basename(target)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    if (err instanceof Deno.errors.NotFound) {
      throw new ConvertOutputError(
        `Cannot write '${target}': the folder '${dirname(target)}' does not exist`,
        { cause: err },
      );
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new ConvertOutputError(`Cannot write '${target}': it is a directory`, { cause: err });
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new ConvertOutputError(
        `Cannot write '${target}': permission denied by the file system`,
        { cause: err },
      );
    }
    throw err;
  }
}
