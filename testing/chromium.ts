/**
 * How the browser tests and benches start headless Chromium: its flags, the same everywhere.
 *
 * @module
 */

/** Chromium flags of every browser test and bench. */
export const CHROMIUM_ARGS: string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
