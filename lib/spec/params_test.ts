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

Deno.test("parseParamFlag() refuses names that look like secrets, without echoing the value", async (t) => {
  const refused = [
    "GITHUB_TOKEN",
    "api_token",
    "db_password",
    "dbPassword",
    "AWS_SECRET_ACCESS_KEY",
    "api_key",
    "OPENAI_API_KEY",
    "STRIPE_KEY",
    "credentials",
    "passwd",
  ];
  for (const name of refused) {
    await t.step(name, () => {
      const err = assertThrows(
        () => parseParamFlag(`${name}=hunter2-value`),
        ParamFlagError,
        "looks like the name of a secret",
      );
      assertEquals(err.message.includes("hunter2-value"), false, err.message);
      assertEquals(err.message.includes(`secrets: [${name.toUpperCase()}]`), true, err.message);
    });
  }
  await t.step("ordinary names pass", () => {
    for (const name of ["sort_key", "key_column", "keys", "tokenizer", "passes", "monkey"]) {
      assertEquals(parseParamFlag(`${name}=1`), [name, 1]);
    }
  });
});

Deno.test("parseParamFlag() finds duplicate keys, recursive aliases and nesting in values", () => {
  assertThrows(() => parseParamFlag("m={a: 1, a: 2}"), ParamFlagError, "Map keys must be unique");
  assertThrows(() => parseParamFlag("m=&a [*a]"), ParamFlagError, "alias *a is inside");
  assertThrows(
    () => parseParamFlag(`m=${"[".repeat(300)}${"]".repeat(300)}`),
    ParamFlagError,
    "200 levels",
  );
});
