import { assertEquals, assertThrows } from "../../tests/_deps.ts";
import { ParamFlagError } from "./errors.ts";
import { parseParamFlag } from "./params.ts";

Deno.test("parseParamFlag() reads the value as YAML", () => {
  assertEquals(parseParamFlag("n=3"), ["n", 3]);
  assertEquals(parseParamFlag("s=abc"), ["s", "abc"]);
  assertEquals(parseParamFlag("l=[1,2]"), ["l", [1, 2]]);
  assertEquals(parseParamFlag("m={a: 1, b: [x]}"), ["m", { a: 1, b: ["x"] }]);
  assertEquals(parseParamFlag('q="3"'), ["q", "3"]);
  assertEquals(parseParamFlag("b=true"), ["b", true]);
  assertEquals(parseParamFlag("z=null"), ["z", null]);
  assertEquals(parseParamFlag("e="), ["e", ""]);
  assertEquals(parseParamFlag("url=http://x/?a=b"), ["url", "http://x/?a=b"]);
});

Deno.test("parseParamFlag() rejects bad names and values with the flag in the message", async (t) => {
  const cases: [string, string][] = [
    ["noequals", "write name=value"],
    ["=3", "is not a valid Python name"],
    ["2x=3", "is not a valid Python name"],
    ["class=3", "reserved"],
    ["P=3", "reserved"],
    ["l=[1", "not valid YAML"],
    ["x=.inf", "JSON-compatible"],
  ];
  for (const [text, why] of cases) {
    await t.step(text, () => {
      const err = assertThrows(() => parseParamFlag(text), ParamFlagError, why);
      assertEquals(err.message.startsWith(`Cannot parse --param '${text}'`), true);
    });
  }
});
