import { detectPython } from "../lib/execute/python.ts";
import { assertEquals, assertOk } from "../tests/_deps.ts";
import {
  DEMO_REQUIREMENTS,
  findPython,
  planInstall,
  probePython,
  pythonCandidates,
  shellQuote,
} from "./_environment.ts";

Deno.test("planInstall() picks apt as root on Debian, a venv otherwise, else prints a command", async (t) => {
  await t.step("nothing missing", () => {
    assertEquals(planInstall([], { isRoot: true, hasApt: true, venvDir: ".venv" }).kind, "none");
  });
  await t.step("root on Debian installs every Debian package automatically", () => {
    const plan = planInstall(["sklearn"], { isRoot: true, hasApt: true, venvDir: ".venv" });
    assertEquals(plan.kind, "apt");
    assertEquals(plan.automatic, true);
    assertEquals(plan.commands[0], ["apt-get", "update"]);
    assertEquals(
      plan.commands[1]?.slice(4),
      [...new Set(DEMO_REQUIREMENTS.map((r) => r.debian))],
    );
  });
  await t.step("a user on Debian with venv gets a project-local venv", () => {
    const plan = planInstall(["matplotlib"], {
      isRoot: false,
      hasApt: true,
      venvPython: "/usr/bin/python3",
      venvDir: "/p/.cache/demo-venv",
    });
    assertEquals(plan.kind, "venv");
    assertEquals(plan.automatic, true);
    assertEquals(plan.commands[0], ["/usr/bin/python3", "-m", "venv", "/p/.cache/demo-venv"]);
    assertEquals(plan.commands[1]?.slice(0, 4), [
      "/p/.cache/demo-venv/bin/python",
      "-m",
      "pip",
      "install",
    ]);
    assertOk(plan.commands[1]?.includes("scikit-learn"));
  });
  await t.step("a user on Debian without venv is told the sudo command", () => {
    const plan = planInstall(["nbclient"], { isRoot: false, hasApt: true, venvDir: ".venv" });
    assertEquals(plan.automatic, false);
    assertEquals(plan.commands[1]?.slice(0, 3), ["sudo", "apt-get", "install"]);
  });
  await t.step("no apt and no venv: a pip command to run by hand", () => {
    const plan = planInstall(["nbclient"], { isRoot: false, hasApt: false, venvDir: ".venv" });
    assertEquals(plan.automatic, false);
    assertEquals(plan.commands[0]?.slice(0, 4), ["python3", "-m", "pip", "install"]);
  });
});

Deno.test("pythonCandidates() tries the venv, then python3 and python in every PATH folder", () => {
  assertEquals(pythonCandidates({ path: "/a::/b", venv: "/v" }), [
    "/v/bin/python",
    "/a/python3",
    "/a/python",
    "/b/python3",
    "/b/python",
  ]);
  assertEquals(pythonCandidates({ explicit: "py", path: "/a:/a" }), [
    "py",
    "/a/python3",
    "/a/python",
  ]);
});

Deno.test("shellQuote() quotes what a shell would split or expand", () => {
  assertEquals(
    shellQuote(["pip", "install", "a b", "it's", "$HOME"]),
    `pip install 'a b' 'it'\\''s' '$HOME'`,
  );
});

Deno.test("probePython() and findPython() report the modules an interpreter lacks", async () => {
  const ready = await detectPython();
  const probe = await probePython(ready.path);
  assertOk(probe, `cannot probe ${ready.path}`);
  assertEquals(probe.version, ready.version);
  assertOk(!probe.missing.includes("nbclient"));
  assertEquals(await probePython("/nonexistent/python3"), undefined);
  assertEquals(await probePython("false"), undefined);
  const { found, others } = await findPython(["/nonexistent/python3", ready.path]);
  assertEquals(found?.executable ?? others[0]?.executable, probe.executable);
});
