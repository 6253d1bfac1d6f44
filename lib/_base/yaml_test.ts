import { assertEquals } from "../../tests/_deps.ts";

const PROBE = `
import { stringifyYaml } from "${new URL("../../deps.ts", import.meta.url)}";
import { parseYamlDocument } from "${new URL("./yaml.ts", import.meta.url)}";
const get = Deno.env.get;
const doc = parseYamlDocument("a: [1, 2]\\nb: {c: x}\\n", { uniqueKeys: true });
let homeReadable = "yes";
try { Deno.env.get("HOME"); } catch { homeReadable = "no"; }
console.log(JSON.stringify({
  value: doc.toJS(),
  errors: doc.errors.length,
  text: stringifyYaml(doc.toJS()),
  restored: Deno.env.get === get,
  homeReadable,
}));
`;

Deno.test("parseYamlDocument() parses under --allow-read alone and restores Deno.env.get", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/probe.ts`;
  await Deno.writeTextFile(file, PROBE);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), {
      value: { a: [1, 2], b: { c: "x" } },
      errors: 0,
      text: "a:\n  - 1\n  - 2\nb:\n  c: x\n",
      restored: true,
      // Outside a parse, an env read without permission still fails as it should.
      homeReadable: "no",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
