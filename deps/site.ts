/**
 * The website's packages (`lib/site`): templates, markdown, HTML sanitising, code highlighting,
 * ANSI colours, DAG layout. Loaded only by the commands that build pages. Pinned like everything
 * in `deps.ts`.
 *
 * @module
 */

export { Eta } from "npm:eta@4.6.0";
export { Marked } from "npm:marked@18.2.1";
// sanitize-html pulls in postcss/picocolors, which read process.env at import: that would need
// --allow-env. js-xss is a maintained whitelist sanitiser without that.
export { FilterXSS, whiteList as xssWhiteList } from "npm:xss@1.0.17";
export { default as hljs } from "npm:highlight.js@11.12.0/lib/core";
export { default as hljsPython } from "npm:highlight.js@11.12.0/lib/languages/python";
export { default as hljsTypeScript } from "npm:highlight.js@11.12.0/lib/languages/typescript";
export { AnsiUp } from "npm:ansi_up@6.0.6";
export { default as dagre } from "npm:@dagrejs/dagre@3.1.3";
