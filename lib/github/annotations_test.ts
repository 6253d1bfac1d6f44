import { assertEquals } from "../../tests/_deps.ts";
import { MissingNotebookError } from "../plan/check_files.ts";
import { CycleError, PlanError } from "../plan/errors.ts";
import { githubAnnotations } from "./annotations.ts";
import { PipelineSpecError } from "../spec/errors.ts";

Deno.test("githubAnnotations() gives one positioned ::error per problem", () => {
  const spec = new PipelineSpecError("p.yaml", "/w/p.yaml", [
    { path: "tasks.a", line: 4, column: 5, message: 'unknown key "x"' },
    { path: "", line: undefined, column: undefined, message: "whole file" },
  ]);
  assertEquals(githubAnnotations(spec, "p.yaml"), [
    '::error file=p.yaml,line=4,col=5,title=Invalid pipeline::tasks.a: unknown key "x"',
    "::error file=p.yaml,title=Invalid pipeline::whole file",
  ]);
  const cycle = new CycleError("demo", ["a", "a"], { file: "p.yaml", line: 3, column: 9 });
  assertEquals(
    githubAnnotations(cycle, "p.yaml")[0]?.startsWith(
      "::error file=p.yaml,line=3,col=9,title=Cannot plan pipeline::the needs of tasks form a cycle: a -> a",
    ),
    true,
  );
  const missing = new MissingNotebookError("demo", [{
    notebook: "a.py",
    task: "a",
    why: "no such file",
  }]);
  assertEquals(githubAnnotations(missing, "p.yaml"), [
    '::error file=p.yaml,title=Missing notebook::a.py (task "a"): no such file',
  ]);
});

Deno.test("githubAnnotations() escapes text so a name cannot inject another workflow command", () => {
  const err = new PlanError("demo", [{
    message: 'task "x\n::add-mask::secret" needs "100%"',
    where: { file: "dir,with:odd.yaml", line: 1, column: 2 },
  }]);
  const [line] = githubAnnotations(err, "p.yaml");
  assertEquals(
    line,
    "::error file=dir%2Cwith%3Aodd.yaml,line=1,col=2,title=Cannot plan pipeline::" +
      'task "x%0A::add-mask::secret" needs "100%25"',
  );
  assertEquals(line?.includes("\n"), false);
});
