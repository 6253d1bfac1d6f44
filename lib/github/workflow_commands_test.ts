import { assertEquals } from "../../tests/_deps.ts";
import { annotation, escapeProperty } from "./workflow_commands.ts";

Deno.test("annotation() writes properties in the runner's order, only those given", async (t) => {
  await t.step("all of them", () => {
    assertEquals(
      annotation("warning", "slow", { title: "t", col: 3, line: 2, file: "a.yaml" }),
      "::warning file=a.yaml,line=2,col=3,title=t::slow",
    );
  });
  await t.step("none", () => {
    assertEquals(annotation("notice", "done"), "::notice::done");
  });
});

Deno.test("annotation() keeps untrusted text from ending the command or starting another", () => {
  const line = annotation("error", "boom\r\n::add-mask::x 100%", {
    file: "a,b.yaml",
    title: "t::stop-commands::1",
  });
  assertEquals(
    line,
    "::error file=a%2Cb.yaml,title=t%3A%3Astop-commands%3A%3A1::boom%0D%0A::add-mask::x 100%25",
  );
  assertEquals(/[\r\n]/.test(line), false);
  assertEquals(escapeProperty("%0A"), "%250A");
});
