import { assertEquals } from "../../tests/_deps.ts";
import { closest, editDistance } from "./suggest.ts";

Deno.test("editDistance() counts a swap of neighbours as one edit", () => {
  assertEquals(editDistance("trian", "train"), 1);
  assertEquals(editDistance("notebok", "notebook"), 1);
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(editDistance("kitten", "sitting"), 3);
});

Deno.test("closest() suggests only likely typos", () => {
  assertEquals(closest("ingset", ["ingest", "eda"]), "ingest");
  assertEquals(closest("TASKS", ["name", "tasks"]), "tasks");
  assertEquals(closest("x", ["a", "b"]), undefined);
  assertEquals(closest("zzz", ["ingest"]), undefined);
});
