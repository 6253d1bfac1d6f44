import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { type DagNode, renderDagSvg } from "./dag_svg.ts";

/** The demo's shape: edges that skip a rank get routed around the boxes in between. */
function demoNodes(): DagNode[] {
  const sizes = [600, 800, 1000, 1200];
  const node = (id: string, needs: string[]): DagNode => ({
    id,
    status: "succeeded",
    href: `${id}.html`,
    needs,
  });
  return [
    node("ingest", []),
    node("eda", ["ingest"]),
    node("split", ["ingest"]),
    ...sizes.map((n) => node(`train[n=${n}]`, ["split"])),
    ...sizes.map((n) => node(`bench[n=${n}]`, [`train[n=${n}]`, "split"])),
    node("summary", sizes.map((n) => `bench[n=${n}]`)),
  ];
}

Deno.test("renderDagSvg() keeps every box and every edge inside the drawing", () => {
  const svg = renderDagSvg(demoNodes());
  const size = svg.match(/viewBox="0 0 (\d+) (\d+)"/);
  assertOk(size, "the SVG has a viewBox");
  const [width, height] = [Number(size[1]), Number(size[2])];
  const points = [...svg.matchAll(/class="dag-edge" d="([^"]+)"/g)].flatMap((m) =>
    [...m[1]!.matchAll(/(-?\d+),(-?\d+)/g)].map((p) => [Number(p[1]), Number(p[2])] as const)
  );
  assertEquals([...svg.matchAll(/class="dag-edge"/g)].length, 1 + 1 + 4 + 8 + 4);
  for (const [x, y] of points) {
    assertOk(x >= 0 && x <= width && y >= 0 && y <= height, `edge point ${x},${y} outside`);
  }
  for (const m of svg.matchAll(/<rect x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"/g)) {
    const [x, y, w, h] = m.slice(1).map(Number) as [number, number, number, number];
    assertOk(x >= 0 && y >= 0 && x + w <= width && y + h <= height, `box ${m[0]} outside`);
  }
});
