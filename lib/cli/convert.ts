/**
 * `cli.ts convert <file> --to ipynb|py [--out F]`: convert a notebook between `.ipynb` and the
 * Jupytext percent format.
 *
 * @module
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { Command, Option } from "../../deps/cli.ts";
import { writeFileAtomic } from "../_base/fs.ts";
import { UserError } from "../errors.ts";
import { serializeIpynb } from "../notebook/ipynb.ts";
import { writePercent } from "../notebook/percent.ts";
import { writePercentTs } from "../notebook/percent_ts.ts";
import { readNotebook } from "../notebook/read.ts";
import type { Notebook } from "../notebook/schema.ts";

/**
 * Formats `convert` writes.
 *
 * @example The choices of `--to`
 * ```ts
 * import { CONVERT_FORMATS } from "./convert.ts";
 * console.assert(CONVERT_FORMATS.join("|") === "ipynb|py");
 * ```
 */
export const CONVERT_FORMATS = ["ipynb", "py", "ts"] as const;
/** One of {@linkcode CONVERT_FORMATS}. */
export type ConvertFormat = typeof CONVERT_FORMATS[number];

interface ConvertFlags {
  to: ConvertFormat;
  out?: string;
}

const encoder = new TextEncoder();

/**
 * Builds the `convert` sub-command: one or more notebooks, each converted next to itself (or to
 * `--out`). Needs only `--allow-read` and `--allow-write`.
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
      "Convert notebooks between .ipynb and Jupytext percent-format .py (and .ts) scripts.",
    )
    .argument("<files...>", "notebooks: .ipynb, or .py scripts with # %% cells")
    .addOption(
      new Option("-t, --to <format>", "the format to write").choices(CONVERT_FORMATS)
        .makeOptionMandatory(),
    )
    .option(
      "-o, --out <file>",
      "where to write (one input only); '-' prints to standard output (default: next to each " +
        "input, with the new extension)",
    )
    .addHelpText(
      "after",
      `
Converting to .py drops outputs and execution counts (the percent format has none). Converting
a .py written by this command (or by Jupytext) to .ipynb and back gives the same bytes. The
input file is never overwritten; an existing output file is replaced. Every input is read and
converted before anything is written, so a broken notebook stops the command with no file
changed.

Permissions: --allow-read --allow-write

Examples:
  deno run --allow-read --allow-write cli.ts convert notebooks/train.py --to ipynb
  deno run --allow-read --allow-write cli.ts convert notebooks/*.ipynb --to py
  deno run --allow-read --allow-write cli.ts convert analysis.ipynb --to py --out analysis.py
  deno run --allow-read --allow-write cli.ts convert analysis.ipynb --to py --out -
`,
    )
    .action(async (files: string[], flags: ConvertFlags) => {
      if (files.length > 1 && flags.out !== undefined) {
        throw new UserError(
          `Cannot convert ${files.length} notebooks to one --out ${JSON.stringify(flags.out)}: ` +
            "--out takes a single input; without it each notebook is written next to itself",
        );
      }
      const outputs: { file: string; target: string; text: string }[] = [];
      for (const file of files) {
        const text = convertText(await readNotebook(file), flags.to, file);
        const target = flags.out ??
          join(dirname(file), basename(file, extname(file)) + "." + flags.to);
        if (target !== "-") await refuseInput(file, target);
        outputs.push({ file, target, text });
      }
      for (const { target, text } of outputs) {
        if (target === "-") {
          await writeAll(Deno.stdout, encoder.encode(text));
          continue;
        }
        await writeAtomically(target, text);
        console.log(target);
      }
    });
}

function convertText(nb: Notebook, to: ConvertFormat, file: string): string {
  if (to === "ipynb") return serializeIpynb(nb);
  if (to === "ts") return writePercentTs(nb);
  return writePercent(nb, {
    onUnsupportedKeys: (keys) =>
      console.error(
        `warning: ${file}: metadata ${keys.map((k) => JSON.stringify(k)).join(", ")} cannot ` +
          "be written as '# %%' options and is left out of the .py file",
      ),
  });
}

async function writeAll(
  out: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await out.write(bytes.subarray(done));
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
    throw new UserError(
      `Cannot write '${target}': it is the input notebook, which convert never overwrites; ` +
        "give another file with --out, or --out - to print",
    );
  }
}

/** Writes through a temporary file, so a failed write leaves no half file; says why it failed. */
async function writeAtomically(target: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(target, text);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(
        `Cannot write '${target}': the folder '${dirname(target)}' does not exist`,
        { cause: err },
      );
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new UserError(`Cannot write '${target}': it is a directory`, { cause: err });
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new UserError(
        `Cannot write '${target}': permission denied by the file system`,
        { cause: err },
      );
    }
    throw err;
  }
}
