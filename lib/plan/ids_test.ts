import { assertEquals } from "../../tests/_deps.ts";
import { canonicalJson, instanceId, slugify } from "./ids.ts";

Deno.test("instanceId() sorts keys and writes strings bare, other values as JSON", () => {
  assertEquals(
    instanceId("t", { z: "a b", a: [1, { y: 2, x: 1 }] }),
    't[a=[1,{"x":1,"y":2}],z=a b]',
  );
  assertEquals(instanceId("t", { n: 1 }) === instanceId("t", { n: "1" }), true);
  assertEquals(canonicalJson({ b: null, a: true }), '{"a":true,"b":null}');
});

Deno.test("slugify() keeps readable slugs and hashes collisions and long ids", () => {
  const long = `t[v=${"x".repeat(200)}]`;
  const slugs = slugify(["t[v=a b]", "t[v=a_b]", "T[v=a_b]", "ok", long]);
  assertEquals(slugs[3], "ok");
  assertEquals(new Set(slugs.map((s) => s.toLowerCase())).size, 5);
  assertEquals(slugs.every((s) => /^[A-Za-z0-9._-]{1,80}$/.test(s)), true);
  assertEquals(slugify(["t[v=a b]", "t[v=a_b]"]), slugify(["t[v=a b]", "t[v=a_b]"]));
});
