/**
 * Test-only third-party imports, pinned like `deps.ts`.
 *
 * @module
 */

/**
 * The official opentelemetry-proto definitions compiled by protobufjs (shipped inside
 * `@opentelemetry/otlp-transformer` up to 0.217), used to check that `spans.jsonl` is real OTLP.
 * Only this generated module is loaded, not the package's own code.
 */
export { default as otlpProtoRoot } from "npm:@opentelemetry/otlp-transformer@0.216.0/build/src/generated/root.js";

/** Property-based testing (the planner's DAG properties, with a fixed seed). */
export { default as fc } from "npm:fast-check@4.11.0";

/** Zip archives built by tests and benchmarks (fixtures for `cli.ts collect`). */
export { strToU8, zipSync } from "npm:fflate@0.8.3";

/** Headless Chromium driver for the browser figures in `bench/` (Debian's `chromium`). */
export { chromium } from "npm:playwright-core@1.65.1";
