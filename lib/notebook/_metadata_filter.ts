/**
 * Which metadata a text notebook carries: Jupytext's metadata filters (`"tags,-all"`, `"-all"`,
 * ...) and how reading a script records them. A port of Jupytext's `metadata_filter.py` (MIT
 * licence).
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../_base/json.ts";
import {
  DEFAULT_NOTEBOOK_METADATA,
  isValidMetadataKey,
  JUPYTEXT_CELL_METADATA,
} from "./_metadata.ts";
import { isObject } from "./_text.ts";

type Filter = { additional?: string[] | "all"; excluded?: string[] | "all" };

function filterAsDict(config: JsonValue | undefined): Filter {
  if (config === undefined || config === null) return {};
  if (config === true) return { additional: "all" };
  if (config === false) return { excluded: "all" };
  if (isObject(config)) return config as Filter;
  const out: { additional?: string[]; excluded?: string[] } = {};
  for (const raw of String(config).split(",")) {
    const key = raw.trim();
    if (key.startsWith("-")) (out.excluded ??= []).push(key.slice(1).trim());
    else if (key.startsWith("+")) (out.additional ??= []).push(key.slice(1).trim());
    else (out.additional ??= []).push(key);
  }
  const result: Filter = {};
  for (const section of ["additional", "excluded"] as const) {
    const list = out[section];
    if (list) result[section] = list.includes("all") ? "all" : list.filter((k) => k);
  }
  return result;
}

function filterAsString(filter: Filter): string {
  const entries = filter.additional === "all"
    ? ["all"]
    : (filter.additional ?? []).filter((k) => !JUPYTEXT_CELL_METADATA.includes(k));
  if (filter.excluded === "all") entries.push("-all");
  else entries.push(...(filter.excluded ?? []).map((e) => `-${e}`));
  return entries.join(",");
}

function secondLevel(keys: Iterable<string>): Map<string, string[]> {
  const sub = new Map<string, string[]>();
  for (const key of keys) {
    const dot = key.indexOf(".");
    if (dot < 0) continue;
    const left = key.slice(0, dot);
    sub.set(left, [...(sub.get(left) ?? []), key.slice(dot + 1)]);
  }
  return sub;
}

function subsetMetadata(
  metadata: JsonObject,
  keepOnly: Set<string> | undefined,
  exclude: Set<string> | undefined,
  unsupported: Set<string>,
): JsonObject {
  const supported = Object.keys(metadata).filter((k) => {
    if (isValidMetadataKey(k)) return true;
    unsupported.add(k);
    return false;
  });
  const filtered: JsonObject = {};
  if (keepOnly !== undefined) {
    for (const k of supported) if (keepOnly.has(k)) filtered[k] = metadata[k]!;
    for (const [k, sub] of secondLevel(keepOnly)) {
      const v = metadata[k];
      if (supported.includes(k) && isObject(v)) {
        filtered[k] = subsetMetadata(v, new Set(sub), undefined, unsupported);
      }
    }
  } else {
    for (const k of supported) filtered[k] = metadata[k]!;
  }
  if (exclude !== undefined) {
    for (const k of exclude) delete filtered[k];
    for (const [k, sub] of secondLevel(exclude)) {
      const v = filtered[k];
      if (isObject(v)) filtered[k] = subsetMetadata(v, undefined, new Set(sub), unsupported);
    }
  }
  return filtered;
}

/**
 * Filters cell or notebook metadata by a user filter (`"tags,-all"`, `"-all"`, ...) on top of a
 * default filter, as Jupytext does. Keys that cannot be written are collected in `unsupported`.
 */
export function filterMetadata(
  metadataIn: JsonObject,
  userFilter: JsonValue | undefined,
  defaultFilter: string,
  unsupported: Set<string> = new Set(),
): JsonObject {
  let metadata = metadataIn;
  const def = filterAsDict(defaultFilter);
  const user = filterAsDict(userFilter);
  let defaultExclude = def.excluded ?? [];
  const defaultInclude = def.additional ?? [];
  if (
    Array.isArray(defaultInclude) && defaultInclude.length && Array.isArray(defaultExclude) &&
    !defaultExclude.length
  ) {
    defaultExclude = "all";
  }
  const userExclude = user.excluded ?? [];
  const userInclude = user.additional ?? [];
  const asSet = (v: string[] | "all") => new Set(v === "all" ? [] : v);
  if (defaultExclude === "all") {
    if (userInclude === "all") {
      return subsetMetadata(metadata, undefined, asSet(userExclude), unsupported);
    }
    if (userExclude === "all") {
      return subsetMetadata(metadata, asSet(userInclude), undefined, unsupported);
    }
    return subsetMetadata(
      metadata,
      new Set([...asSet(userInclude), ...asSet(defaultInclude)]),
      asSet(userExclude),
      unsupported,
    );
  }
  if (userInclude === "all") {
    return subsetMetadata(metadata, undefined, asSet(userExclude), unsupported);
  }
  if (userExclude === "all") {
    return subsetMetadata(metadata, asSet(userInclude), undefined, unsupported);
  }
  if (Array.isArray(metadata.tags) && metadata.tags.length === 0) {
    metadata = { ...metadata };
    delete metadata.tags;
  }
  const include = asSet(userInclude);
  const exclude = new Set([
    ...asSet(userExclude),
    ...[...asSet(defaultExclude)].filter((k) => !include.has(k)),
  ]);
  return subsetMetadata(metadata, undefined, exclude, unsupported);
}

/**
 * After reading a text notebook, records in `metadata.jupytext` which metadata the text carried,
 * so that writing the notebook back to text gives the same file (Jupytext's
 * `update_metadata_filters`).
 */
export function updateMetadataFilters(
  metadata: JsonObject,
  hadJupyterHeader: boolean,
  cellMetadataKeys: Set<string>,
): void {
  const jupytext = isObject(metadata.jupytext) ? metadata.jupytext : undefined;
  if (!hadJupyterHeader) {
    const j = jupytext ?? {};
    metadata.jupytext = j;
    j.notebook_metadata_filter = "-all";
    if (!("cell_metadata_filter" in j)) {
      j.cell_metadata_filter = filterAsString({
        additional: [...cellMetadataKeys],
        excluded: "all",
      });
    }
    return;
  }
  if (jupytext && "cell_metadata_filter" in jupytext) {
    const filter = filterAsDict(jupytext.cell_metadata_filter);
    if (Array.isArray(filter.excluded)) {
      filter.excluded = filter.excluded.filter((k) => !cellMetadataKeys.has(k));
    }
    filter.additional ??= [];
    if (Array.isArray(filter.additional)) {
      for (const k of cellMetadataKeys) {
        if (!filter.additional.includes(k)) filter.additional.push(k);
      }
    }
    jupytext.cell_metadata_filter = filterAsString(filter);
    return;
  }
  const nbFilter = String(jupytext?.notebook_metadata_filter ?? "").split(",").filter((k) => k);
  if (nbFilter.includes("all") || nbFilter.includes("-all")) return;
  const defaults = DEFAULT_NOTEBOOK_METADATA.split(",");
  for (const key of Object.keys(metadata)) {
    if (defaults.includes(key) || nbFilter.includes(key) || nbFilter.includes(`-${key}`)) continue;
    nbFilter.push(key);
  }
  if (nbFilter.length) {
    const j = jupytext ?? {};
    metadata.jupytext = j;
    j.notebook_metadata_filter = nbFilter.join(",");
  }
}
