/**
 * Source positions of YAML nodes, so that an error found in the parsed data can name its line
 * and column.
 *
 * @module
 */
import {
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Pair,
  type YAMLMap,
  type YamlNode,
} from "../../deps.ts";

/** A 1-based line and column in a pipeline file. */
export interface Position {
  line: number;
  column: number;
}

/** A path into the parsed pipeline: map keys and list indices. */
export type DataPath = readonly PropertyKey[];

/** Where to point for a path: at the value, at its key, or at the mapping holding it. */
export type PointAt = "value" | "key";

/**
 * Maps data paths to source positions of one parsed YAML (or JSON) document.
 *
 * Each mapping's keys are indexed the first time a path goes through it, so a file with tens of
 * thousands of problems (unknown keys) is located in time linear in its size.
 *
 * @example Locating a key
 * ```ts
 * import { LineCounter, parseDocument } from "../../deps.ts";
 * import { SourcePositions } from "./_positions.ts";
 * const lines = new LineCounter();
 * const doc = parseDocument("a:\n  b: 1\n", { lineCounter: lines });
 * const pos = new SourcePositions(doc.contents, lines).locate(["a", "b"], "key");
 * console.assert(pos?.line === 2 && pos.column === 3);
 * ```
 */
export class SourcePositions {
  #root: unknown;
  #lines: LineCounter;
  #index = new WeakMap<YAMLMap, Map<string, Pair>>();

  /**
   * @param root The document's `contents` node.
   * @param lines The line counter the document was parsed with.
   */
  constructor(root: unknown, lines: LineCounter) {
    this.#root = root;
    this.#lines = lines;
  }

  /**
   * Finds the position of `path`. When the path does not exist (a missing key), answers with
   * the deepest node that does, which is the mapping where the key should go.
   *
   * @param path Keys and indices from the top of the document.
   * @param at Point at the value (default) or at the key of the last segment.
   * @returns The position, or `undefined` for an empty document.
   */
  locate(path: DataPath, at: PointAt = "value"): Position | undefined {
    let node: unknown = this.#root;
    let found: unknown = node;
    for (const [i, seg] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.#pairs(node).get(String(seg));
        if (pair === undefined) break;
        if (last && at === "key") {
          found = pair.key;
          break;
        }
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
      } else {
        break;
      }
      found = node;
    }
    const range = (found as YamlNode | null | undefined)?.range;
    if (range === undefined || range === null) return undefined;
    const pos = this.#lines.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  }

  #pairs(map: YAMLMap): Map<string, Pair> {
    let pairs = this.#index.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      // The first pair of a key wins, as `find` did (duplicate keys are errors anyway).
      for (const pair of map.items) {
        const key = keyText(pair.key);
        if (!pairs.has(key)) pairs.set(key, pair);
      }
      this.#index.set(map, pairs);
    }
    return pairs;
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}
