/**
 * The drivers' kernel spec lookup (`fork_kernel.KernelSpecs`) finds what jupyter_client's own
 * finds, without importing IPython or ipykernel (half a second of each driver's first notebook).
 */
import { assertEquals } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { detectPython } from "../lib/execute/python.ts";

const COMPARE = `
import json, sys
sys.path.insert(0, "lib/execute")
import fork_kernel
ours = fork_kernel.KernelSpecs()
dirs, spec = ours.kernel_dirs, ours.get_kernel_spec("python3")
light = not any(m in sys.modules for m in ("IPython", "ipykernel"))
from jupyter_client.kernelspec import KernelSpecManager
theirs = KernelSpecManager()
print(json.dumps({
    "light": light,
    "dirs": dirs == theirs.kernel_dirs,
    "argv": spec.argv == theirs.get_kernel_spec("python3").argv,
    "names": sorted(ours.find_kernel_specs()) == sorted(theirs.find_kernel_specs()),
}))
`;

Deno.test("KernelSpecs finds the kernel specs jupyter_client finds, without importing IPython", async (t) => {
  const python = (await detectPython()).path;
  await using dir = await tempDir();
  for (const ipythonDir of [undefined, `${dir.path}/ipython`]) {
    await t.step(ipythonDir === undefined ? "IPYTHONDIR unset" : "IPYTHONDIR set", async () => {
      const env: Record<string, string> = { ...Deno.env.toObject() };
      delete env.IPYTHONDIR;
      if (ipythonDir !== undefined) {
        env.IPYTHONDIR = ipythonDir;
        // A kernel spec of IPython's own folder must be found too.
        await Deno.mkdir(`${ipythonDir}/kernels/extra`, { recursive: true });
        await Deno.writeTextFile(
          `${ipythonDir}/kernels/extra/kernel.json`,
          JSON.stringify({
            argv: [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name: "x",
            language: "python",
          }),
        );
      }
      const out = await new Deno.Command(python, { args: ["-c", COMPARE], env, clearEnv: true })
        .output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assertEquals(JSON.parse(text.split("\n").at(-1)!), {
        light: true,
        dirs: true,
        argv: true,
        names: true,
      });
    });
  }
});
