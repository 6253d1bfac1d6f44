/**
 * Test helpers of the notebook tests: running Python code in the interpreter the product detects.
 *
 * @module
 */
import { detectPython } from "../lib/execute/python.ts";

/**
 * Runs Python code in the detected interpreter (isolated mode), feeding `stdin`.
 *
 * @param code Python source.
 * @param stdin Text for the process's standard input.
 * @returns What the code printed.
 */
export async function runPython(code: string, stdin = ""): Promise<string> {
  const python = await detectPython();
  const child = new Deno.Command(python.path, {
    args: ["-I", "-c", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONIOENCODING: "utf-8" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`python failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}
