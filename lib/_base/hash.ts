/**
 * Short, stable, non-cryptographic hashes for names and ids (never for integrity: use SHA-256
 * there).
 *
 * @module
 */

/**
 * 32-bit FNV-1a of a string's UTF-8 bytes, as 8 hex digits: a short id that stays the same across
 * runs and machines.
 *
 * @param text The text to hash.
 * @returns 8 lowercase hex digits.
 *
 * @example Hashing a name
 * ```ts
 * import { fnv1a } from "./hash.ts";
 * console.assert(fnv1a("") === "811c9dc5");
 * console.assert(fnv1a("a") === "e40c292c");
 * ```
 */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
