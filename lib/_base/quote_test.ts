import { assertEquals, assertOk as assert, assertThrows } from "../../tests/_deps.ts";
import { HOSTILE, hostileStrings } from "../../testing/hostile.ts";
import { UserError } from "../errors.ts";
import {
  commentText,
  debianPackages,
  isOneLine,
  jsonData,
  labelText,
  shellQuote,
} from "./quote.ts";

async function bash(script: string, args: string[] = []): Promise<{ code: number; out: string }> {
  const res = await new Deno.Command("bash", {
    args: ["-c", script, "bash", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: res.code, out: new TextDecoder().decode(res.stdout) };
}

Deno.test("shellQuote() gives bash every word back exactly, on one line of printable ASCII", async () => {
  const words = [...HOSTILE, ...hostileStrings(1, 300)];
  const quoted = words.map(shellQuote);
  for (const [i, q] of quoted.entries()) {
    assert(/^[\x20-\x7e]+$/.test(q), `not one printable line: ${JSON.stringify(q)}`);
    assert(!q.includes("${{"), q);
    assert(!/\n#SBATCH/.test(q), JSON.stringify(words[i]));
  }
  const script = `printf '%s\\0' ${quoted.join(" ")}`;
  const res = await bash(script);
  assertEquals(res.code, 0);
  assertEquals(res.out.split("\0").slice(0, -1), words);
  assertEquals((await bash(`set -n\n${script}`)).code, 0);
});

Deno.test("shellQuote() refuses a NUL, which no argument can hold", () => {
  assertThrows(() => shellQuote("a\0b"), RangeError);
});

Deno.test("commentText() keeps a comment on its line: nothing after it runs", async () => {
  for (const text of [...HOSTILE, ...hostileStrings(2, 200)]) {
    const c = commentText(text);
    assert(/^[\x20-\x7e]*$/.test(c), JSON.stringify(c));
    const res = await bash(`# ${c}\necho ok`);
    assertEquals(res.out, "ok\n", JSON.stringify(text));
  }
  assertEquals(commentText("plain name-1"), "plain name-1");
});

Deno.test("jsonData() is JSON that decodes to the value and holds no expression, quote or line break", async (t) => {
  const values = [...HOSTILE, ...hostileStrings(3, 300)];
  await t.step("strings, arrays and objects round-trip", () => {
    for (const v of values) {
      for (const value of [v, [v, [v]], { [v]: v, n: 1.5, b: true, z: null }]) {
        const text = jsonData(value);
        assertEquals(JSON.parse(text), value);
        assert(/^[\x20-\x7e]*$/.test(text), text);
        assert(!/[$'`#\\]/.test(text.replace(/\\u[0-9a-f]{4}/g, "")), text);
        assert(!text.includes("${{"), text);
      }
    }
  });
  await t.step("jq reads the words back exactly", async () => {
    const res = await bash(`jq -j '.[] | . + "\\u0000"' <<<"$1"`, [jsonData(values)]);
    assertEquals(res.code, 0);
    assertEquals(res.out.split("\0").slice(0, -1), values);
  });
});

Deno.test("labelText() leaves no expression, quote or line break in a label", () => {
  for (const text of [...HOSTILE, ...hostileStrings(4, 300)]) {
    const label = labelText(text);
    assert(/^[A-Za-z0-9 _./:=@%+,!?*()|~^;<>&\[\]-]*$/.test(label), JSON.stringify(label));
    assertEquals([...label].length, [...text].length);
  }
  assertEquals(labelText("train-model[n=600]"), "train-model[n=600]");
});

Deno.test("debianPackages() accepts Debian's grammar and refuses everything else", async (t) => {
  await t.step("valid names", () => {
    const ok = ["python3-sklearn", "g++", "libc6.1-dev", "0ad", "r-cran-x.y+z"];
    assertEquals(debianPackages(ok, "--apt"), ok);
  });
  await t.step("invalid names", () => {
    const bad = [
      "",
      "a",
      "Python3",
      "-y",
      "--allow-unauthenticated",
      "a b",
      "a;id",
      "$(id)",
      "a\nb",
      "a=1.0",
      "a:amd64",
      "a/b",
      "'a'",
      "${{ x }}",
      ...hostileStrings(5, 100).filter((s) => !/^[a-z0-9][a-z0-9+.-]+$/.test(s)),
    ];
    for (const name of bad) {
      const err = assertThrows(() => debianPackages([name], "--apt"), UserError);
      assert(err.message.includes(JSON.stringify(name)) && err.message.includes("--apt"));
    }
  });
});

Deno.test("isOneLine() finds every character that ends a line", () => {
  for (const c of ["\n", "\r", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\0", "\x7f"]) {
    assert(!isOneLine(`a${c}b`), JSON.stringify(c));
  }
  assert(isOneLine("a b-é😀[x=1]"));
});
