/**
 * Notebook conversion on a large synthetic notebook (1,000 cells: markdown, code with magics,
 * functions, cell metadata), against baselines measured in the same run: plain `JSON.parse` and
 * `JSON.stringify` of the same notebook, which any reader or writer of `.ipynb` must at least do.
 *
 *     deno bench -A bench/notebook_bench.ts
 *
 * @module
 */
import { parseIpynb, serializeIpynb } from "../lib/notebook/ipynb.ts";
import { injectParameters } from "../lib/notebook/inject.ts";
import { parsePercent, writePercent } from "../lib/notebook/percent.ts";

const CELLS = 1000;

function script(): string {
  const parts = [
    "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n" +
    "#     name: python3\n# ---\n",
    '# %% tags=["parameters"]\nn = 10\n',
  ];
  for (let i = 0; i < CELLS - 1; i++) {
    switch (i % 4) {
      case 0:
        parts.push(`# %% [markdown]\n# ## Step ${i}\n#\n# Some *text* about step ${i}.\n`);
        break;
      case 1:
        parts.push(
          `# %% Step ${i} key="value"\n# %time x = ${i}\nvalues = [k * k for k in range(n)]\n`,
        );
        break;
      case 2:
        parts.push(`# %%\ndef f_${i}(x):\n    """Doc ${i}."""\n    return x + ${i}\n\n`);
        break;
      default:
        parts.push(`# %%\nprint(f_${i - 1}(n), "text with 'quotes' and # %% inside")\n`);
    }
  }
  return parts.join("\n");
}

const py = script();
const nb = parsePercent(py);
const ipynb = serializeIpynb(nb);
const plain = JSON.stringify(nb);
const context = { runId: "r", taskId: "t", instanceId: "t", attempt: 1 };

Deno.bench("read: JSON.parse (baseline)", { group: "read", baseline: true }, () => {
  JSON.parse(ipynb);
});
Deno.bench("read: parseIpynb (validated)", { group: "read" }, () => {
  parseIpynb(ipynb);
});
Deno.bench("read: parsePercent", { group: "read" }, () => {
  parsePercent(py);
});

Deno.bench("write: JSON.stringify (baseline)", { group: "write", baseline: true }, () => {
  JSON.stringify(JSON.parse(plain), null, 1);
});
Deno.bench("write: serializeIpynb", { group: "write" }, () => {
  serializeIpynb(nb);
});
Deno.bench("write: writePercent", { group: "write" }, () => {
  writePercent(nb);
});
Deno.bench("write: injectParameters + serializeIpynb", { group: "write" }, () => {
  serializeIpynb(injectParameters(nb, { n: 600 }, context).notebook);
});
