/**
 * Checks of a parsed YAML document's shape that the `yaml` package does not make, or makes in
 * time quadratic in the size of the file: duplicate keys, recursive aliases, alias bombs and
 * nesting depth. One walk over the document, linear in its size. Pipeline files and the YAML
 * headers of notebooks both go through it.
 *
 * @module
 */
import { type Document, isAlias, isMap, isScalar, isSeq } from "../../deps.ts";

/** A problem of the document's shape at a character offset of the source. */
export interface ShapeProblem {
  /** Character offset in the source text. */
  offset: number;
  /** What is wrong and how to fix it. */
  message: string;
}

/** The bounds of {@linkcode checkYamlShape}. */
export interface ShapeLimits {
  /** Deepest nesting of mappings and lists, counted after aliases are expanded. */
  maxDepth: number;
  /** Most aliases (`*name`) in the document. */
  maxAliases: number;
  /** Most values that aliases may add once expanded. */
  maxExpansion: number;
}

/** The size and depth of a node once its aliases are expanded. */
interface Extent {
  size: number;
  depth: number;
}

const LEAF: Extent = { size: 1, depth: 0 };

/**
 * Walks a document once and lists what makes it unusable: duplicate keys, an alias inside the
 * node it names, an alias to no anchor, too many aliases, aliases that expand past the limit,
 * nesting past the limit. Scalars without a position (keys made up by the caller) are skipped.
 *
 * @param doc A document, best parsed with `uniqueKeys: false` (this walk finds duplicates in
 *   linear time; the `yaml` package's own check is quadratic).
 * @param limits The bounds.
 * @returns The problems, at most one of each kind but duplicate keys, in document order.
 *
 * @example A recursive alias
 * ```ts
 * import { parseYamlDocument } from "./yaml.ts";
 * import { checkYamlShape } from "./yaml_shape.ts";
 * const doc = parseYamlDocument("a: &a { b: *a }\n");
 * const [problem] = checkYamlShape(doc, { maxDepth: 200, maxAliases: 10, maxExpansion: 100 });
 * console.assert(problem?.offset === 11 && problem.message.includes("*a"));
 * ```
 */
export function checkYamlShape(doc: Document, limits: ShapeLimits): ShapeProblem[] {
  const walker = new ShapeWalker(limits);
  walker.visit(doc.contents, 0);
  return walker.problems.sort((a, b) => a.offset - b.offset);
}

class ShapeWalker {
  problems: ShapeProblem[] = [];
  #limits: ShapeLimits;
  #anchors = new Map<string, unknown>();
  #open = new Set<unknown>();
  #extents = new Map<unknown, Extent>();
  #aliases = 0;
  #expanded = 0;
  #reported = new Set<string>();

  constructor(limits: ShapeLimits) {
    this.#limits = limits;
  }

  visit(node: unknown, depth: number): Extent {
    if (node === null || node === undefined) return LEAF;
    if (isAlias(node)) return this.#alias(node, depth);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor !== undefined) this.#anchors.set(anchor, node);
    if (!isMap(node) && !isSeq(node)) return LEAF;
    if (depth >= this.#limits.maxDepth) {
      this.#once("depth", node, this.#tooDeep(""));
      return { size: 1, depth: this.#limits.maxDepth };
    }
    this.#open.add(node);
    let size = 1;
    let inner = 0;
    const add = (e: Extent) => {
      size = Math.min(size + e.size, Number.MAX_SAFE_INTEGER);
      inner = Math.max(inner, e.depth);
    };
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (keys.has(pair.key.value)) {
            this.#at(pair.key, "Map keys must be unique");
          }
          keys.add(pair.key.value);
        }
        add(this.visit(pair.key, depth + 1));
        add(this.visit(pair.value, depth + 1));
      }
    } else {
      for (const item of node.items) add(this.visit(item, depth + 1));
    }
    this.#open.delete(node);
    const extent = { size, depth: inner + 1 };
    if (anchor !== undefined) this.#extents.set(node, extent);
    return extent;
  }

  #alias(node: { source: string }, depth: number): Extent {
    const { maxAliases, maxExpansion, maxDepth } = this.#limits;
    if (++this.#aliases > maxAliases) {
      this.#once("aliases", node, `more than ${maxAliases} aliases; write the values out`);
      return LEAF;
    }
    const target = this.#anchors.get(node.source);
    if (target === undefined) {
      this.#at(
        node,
        `alias *${node.source} names no anchor before it; define &${node.source} first`,
      );
      return LEAF;
    }
    if (this.#open.has(target)) {
      this.#at(
        node,
        `alias *${node.source} is inside the value it names, which would make it infinitely ` +
          "deep; remove the alias or point it at another anchor",
      );
      return LEAF;
    }
    const extent = this.#extents.get(target) ?? LEAF;
    this.#expanded += extent.size;
    if (this.#expanded > maxExpansion) {
      this.#once(
        "expansion",
        node,
        `aliases expand to more than ${maxExpansion} values (an alias bomb?); write the ` +
          "repeated values out",
      );
      return LEAF;
    }
    if (depth + extent.depth > maxDepth) {
      this.#once("depth", node, this.#tooDeep(` once alias *${node.source} is expanded`));
    }
    return extent;
  }

  #once(kind: string, node: unknown, message: string): void {
    if (this.#reported.has(kind)) return;
    this.#reported.add(kind);
    this.#at(node, message);
  }

  #tooDeep(how: string): string {
    return `nested more than ${this.#limits.maxDepth} levels deep${how}`;
  }

  #at(node: unknown, message: string): void {
    const range = (node as { range?: [number, number, number] | null }).range;
    this.problems.push({ offset: range?.[0] ?? 0, message });
  }
}
