import { assertEquals } from "../../tests/_deps.ts";
import { hideKernelNotice } from "./kernel_notice.ts";

const NOTICE = "NOTE: When using the `ipython kernel` entry point, Ctrl-C will not work.\n\n" +
  "To exit, you will have to explicitly quit this process, by either sending\n" +
  '"quit" from a client, or using Ctrl-\\ in UNIX-like environments.\n\n' +
  "To read more about this, see https://github.com/ipython/ipython/issues/2049\n\n";

Deno.test("hideKernelNotice() removes ipykernel's Ctrl-C notice and keeps the rest", async (t) => {
  await t.step("the notice alone leaves nothing", () => {
    assertEquals(hideKernelNotice(NOTICE).trim(), "");
  });
  await t.step("warnings before and after it stay", () => {
    assertEquals(
      hideKernelNotice(`warn: a\n${NOTICE}Traceback: b\n`),
      "warn: a\nTraceback: b\n",
    );
  });
  await t.step("with the connection hint that follows it", () => {
    const hint = "\nTo connect another client to this kernel, use:\n" +
      "    --existing kernel-59c5928a26004a1da8c4f61ee8bbb4ca.json\n";
    assertEquals(hideKernelNotice(`${NOTICE}${hint}boom\n`), "boom\n");
  });
  await t.step("text without the notice is unchanged", () => {
    assertEquals(hideKernelNotice("Ctrl-C will not work here\n"), "Ctrl-C will not work here\n");
  });
});
