/**
 * An evaluator of the GitHub Actions expression language, for testing the `if:` conditions and
 * `${{ }}` values of the workflows against recorded event payloads. It follows GitHub's
 * documented semantics for the subset the workflows use: literals, property access (a missing
 * property is `null`), `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` (which return an
 * operand, as in JavaScript), loose equality (values of different types compared as numbers,
 * strings compared ignoring case), and the functions `format`, `contains`, `startsWith`,
 * `endsWith`, `toJSON`, `success`, `failure`, `cancelled`, `always`, `hashFiles` (a placeholder).
 *
 * @module
 */

/** A value of the expression language (JSON). */
export type ExprValue = null | boolean | number | string | ExprValue[] | {
  [key: string]: ExprValue;
};

/** What the status functions answer, and the contexts expressions read. */
export interface ExprContext {
  /** Contexts by name: `github`, `env`, `steps`, `needs`, `inputs`... */
  contexts: Record<string, ExprValue>;
  /** Outcome so far: `success()` is true when `success`. @default "success" */
  status?: "success" | "failure" | "cancelled";
}

type Token = { kind: "num" | "str" | "id" | "op"; text: string; value?: ExprValue };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let j = i + 1;
      let text = "";
      while (j < src.length) {
        if (src[j] === "'" && src[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (src[j] === "'") break;
        else text += src[j++];
      }
      if (j >= src.length) throw new SyntaxError(`Unterminated string in: ${src}`);
      tokens.push({ kind: "str", text, value: text });
      i = j + 1;
      continue;
    }
    const num = /^-?(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(rest);
    if (num) {
      tokens.push({ kind: "num", text: num[0], value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (id) {
      tokens.push({ kind: "id", text: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[!<>().,[\]*])/.exec(rest);
    if (!op) throw new SyntaxError(`Unexpected '${rest[0]}' in: ${src}`);
    tokens.push({ kind: "op", text: op[0] });
    i += op[0].length;
  }
  return tokens;
}

function isTruthy(v: ExprValue): boolean {
  return !(v === null || v === false || v === 0 || v === "" || Number.isNaN(v));
}

function toNumber(v: ExprValue): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v.trim());
  return NaN;
}

function looseEqual(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  const objA = typeof a === "object" && a !== null;
  const objB = typeof b === "object" && b !== null;
  if (objA || objB) return a === b;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(a: ExprValue, b: ExprValue): number {
  if (typeof a === "string" && typeof b === "string") {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return Number.isNaN(x) || Number.isNaN(y) ? NaN : x - y;
}

function toText(v: ExprValue): string {
  if (v === null) return "";
  if (typeof v === "object") return "Object";
  return String(v);
}

class Parser {
  #tokens: Token[];
  #at = 0;
  #ctx: ExprContext;
  constructor(tokens: Token[], ctx: ExprContext) {
    this.#tokens = tokens;
    this.#ctx = ctx;
  }
  #peek(): Token | undefined {
    return this.#tokens[this.#at];
  }
  #take(text?: string): Token {
    const t = this.#tokens[this.#at++];
    if (t === undefined || (text !== undefined && t.text !== text)) {
      throw new SyntaxError(`Expected '${text ?? "a value"}', got '${t?.text ?? "the end"}'`);
    }
    return t;
  }
  parse(): ExprValue {
    const v = this.#or();
    if (this.#peek() !== undefined) throw new SyntaxError(`Unexpected '${this.#peek()!.text}'`);
    return v;
  }
  #or(): ExprValue {
    let left = this.#and();
    while (this.#peek()?.text === "||") {
      this.#take();
      const right = this.#and();
      left = isTruthy(left) ? left : right;
    }
    return left;
  }
  #and(): ExprValue {
    let left = this.#equality();
    while (this.#peek()?.text === "&&") {
      this.#take();
      const right = this.#equality();
      left = isTruthy(left) ? right : left;
    }
    return left;
  }
  #equality(): ExprValue {
    let left = this.#relation();
    while (this.#peek()?.text === "==" || this.#peek()?.text === "!=") {
      const op = this.#take().text;
      const right = this.#relation();
      left = op === "==" ? looseEqual(left, right) : !looseEqual(left, right);
    }
    return left;
  }
  #relation(): ExprValue {
    let left = this.#unary();
    while (["<", "<=", ">", ">="].includes(this.#peek()?.text ?? "")) {
      const op = this.#take().text;
      const c = compare(left, this.#unary());
      left = op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
    return left;
  }
  #unary(): ExprValue {
    if (this.#peek()?.text === "!") {
      this.#take();
      return !isTruthy(this.#unary());
    }
    return this.#postfix(this.#primary());
  }
  #primary(): ExprValue {
    const t = this.#take();
    if (t.kind === "num" || t.kind === "str") return t.value!;
    if (t.text === "(") {
      const v = this.#or();
      this.#take(")");
      return v;
    }
    if (t.kind !== "id") throw new SyntaxError(`Unexpected '${t.text}'`);
    if (t.text === "true" || t.text === "false") return t.text === "true";
    if (t.text === "null") return null;
    if (this.#peek()?.text === "(") return this.#call(t.text);
    return this.#ctx.contexts[t.text] ?? null;
  }
  #postfix(value: ExprValue): ExprValue {
    let v = value;
    while (this.#peek()?.text === "." || this.#peek()?.text === "[") {
      if (this.#take().text === ".") {
        v = property(v, this.#take().text);
      } else {
        const key = this.#or();
        this.#take("]");
        v = property(v, typeof key === "number" ? key : toText(key));
      }
    }
    return v;
  }
  #call(name: string): ExprValue {
    this.#take("(");
    const args: ExprValue[] = [];
    while (this.#peek()?.text !== ")") {
      args.push(this.#or());
      if (this.#peek()?.text === ",") this.#take();
    }
    this.#take(")");
    return callFunction(name.toLowerCase(), args, this.#ctx.status ?? "success");
  }
}

function property(v: ExprValue, key: string | number): ExprValue {
  if (Array.isArray(v)) return typeof key === "number" ? v[key] ?? null : null;
  if (typeof v !== "object" || v === null) return null;
  const found = Object.keys(v).find((k) => k.toLowerCase() === String(key).toLowerCase());
  return found === undefined ? null : v[found] ?? null;
}

function callFunction(name: string, args: ExprValue[], status: string): ExprValue {
  const [a = null, b = null] = args;
  switch (name) {
    case "success":
      return status === "success";
    case "failure":
      return status === "failure";
    case "cancelled":
      return status === "cancelled";
    case "always":
      return true;
    case "format":
      return toText(a).replace(/\{(\d+)\}/g, (_, i) => toText(args[Number(i) + 1] ?? null));
    case "contains":
      return Array.isArray(a)
        ? a.some((x) => looseEqual(x, b))
        : toText(a).toLowerCase().includes(toText(b).toLowerCase());
    case "startswith":
      return toText(a).toLowerCase().startsWith(toText(b).toLowerCase());
    case "endswith":
      return toText(a).toLowerCase().endsWith(toText(b).toLowerCase());
    case "tojson":
      return JSON.stringify(a, null, 2);
    case "hashfiles":
      return `hash(${args.map(toText).join(",")})`;
    default:
      throw new SyntaxError(`Unknown function ${name}()`);
  }
}

/**
 * Evaluates one expression (with or without its `${{ }}`).
 *
 * @param expression The expression.
 * @param ctx Contexts and the job status.
 * @returns Its value.
 */
export function evaluate(expression: string, ctx: ExprContext): ExprValue {
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression);
  return new Parser(tokenize(m ? m[1]! : expression), ctx).parse();
}

/**
 * Evaluates an `if:` condition the way the runner does: without a status function in it,
 * `success() && (...)` is implied.
 *
 * @param condition The `if:` value (a boolean literal, or an expression).
 * @param ctx Contexts and the job status.
 * @returns Whether the job or step runs.
 */
export function evaluateIf(condition: string | boolean | undefined, ctx: ExprContext): boolean {
  if (condition === undefined) return (ctx.status ?? "success") === "success";
  if (typeof condition === "boolean") return condition;
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition)?.[1] ?? condition;
  const hasStatus = /\b(success|failure|cancelled|always)\s*\(/i.test(inner);
  return isTruthy(evaluate(hasStatus ? inner : `success() && (${inner})`, ctx));
}

/**
 * Replaces every `${{ }}` in a string value (a step's `env:` or `with:` value) by its text.
 *
 * @param template The value as written in the workflow.
 * @param ctx Contexts and the job status.
 * @returns The value the step sees.
 */
export function interpolate(template: string, ctx: ExprContext): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e) => toText(evaluate(e, ctx)));
}
