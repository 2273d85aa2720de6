/**
 * Finds the module specifiers a TypeScript/JavaScript source refers to.
 *
 * A small tokenizer (comments skipped; strings, template literals and regular
 * expressions read as single tokens) feeds a matcher for the six forms the
 * house rules care about:
 *
 * - `import … from "x"`, `import "x"`, `import type … from "x"`
 * - `export … from "x"` (`export *`, `export { … }`, `export type { … }`)
 * - `import("x")` (also in type positions: `typeof import("x")`)
 * - `new URL("x", import.meta.url)`
 * - `import.meta.resolve("x")`
 *
 * A dynamic `import()` whose argument is not a plain literal is reported with
 * `specifier: null` so callers can say it was not analysed.
 *
 * @module
 */

/** How a specifier was referenced. */
export type RefKind = "import" | "type" | "export" | "dynamic" | "url" | "resolve";

/** One module reference found in a source file. */
export interface Ref {
  /** The literal specifier, or `null` for a computed `import(…)`. */
  specifier: string | null;
  kind: RefKind;
  /** 1-based line of the keyword that starts the reference. */
  line: number;
}

type TokKind = "id" | "str" | "tpl" | "num" | "punct" | "regex";
interface Tok {
  kind: TokKind;
  text: string;
  /** String value for `str`, and for `tpl` without substitutions. */
  value?: string;
  line: number;
}

const ID_START = /[A-Za-z_$\u0080-\uffff]/;
const ID_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_KEYWORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function regexAllowed(prev: Tok | undefined): boolean {
  if (!prev) return true;
  if (prev.kind === "num" || prev.kind === "str" || prev.kind === "tpl") return false;
  if (prev.kind === "regex") return false;
  if (prev.kind === "id") return REGEX_AFTER_KEYWORD.has(prev.text);
  return !(prev.text === ")" || prev.text === "]" || prev.text === "}");
}

/** Splits `src` into tokens, dropping comments and whitespace. */
export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  // Brace depth at which each open template literal's `${` began.
  const tplStack: number[] = [];
  let depth = 0;
  const n = src.length;
  const countLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (src[k] === "\n") line++;
  };
  // Reads template text from `i` (just after "`" or "}") to the closing "`" or "${".
  const readTemplate = (start: number, startLine: number, head: boolean) => {
    let j = i;
    let cooked = "";
    while (j < n && src[j] !== "`" && !(src[j] === "$" && src[j + 1] === "{")) {
      if (src[j] === "\\") {
        cooked += src[j + 1] ?? "";
        j += 2;
      } else cooked += src[j++];
    }
    const closed = src[j] === "`";
    const end = closed ? j + 1 : j + 2;
    countLines(i, end);
    const plain = head && closed;
    toks.push({
      kind: "tpl",
      text: src.slice(start, end),
      value: plain ? cooked : undefined,
      line: startLine,
    });
    if (!closed) tplStack.push(++depth);
    i = end;
  };
  while (i < n) {
    const c = src[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (
      c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v" || c === "\ufeff"
    ) {
      i++;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      countLines(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let value = "";
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") {
          value += src[i + 1] ?? "";
          i += 2;
        } else value += src[i++];
      }
      i++;
      toks.push({ kind: "str", text: src.slice(start, i), value, line });
    } else if (c === "`") {
      const start = i++;
      readTemplate(start, line, true);
    } else if (c === "}" && tplStack.length && tplStack[tplStack.length - 1] === depth) {
      tplStack.pop();
      depth--;
      const start = i++;
      readTemplate(start, line, false);
    } else if (ID_START.test(c)) {
      const start = i;
      while (i < n && ID_PART.test(src[i])) i++;
      toks.push({ kind: "id", text: src.slice(start, i), line });
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const start = i;
      while (i < n && /[0-9A-Za-z_.]/.test(src[i])) i++;
      toks.push({ kind: "num", text: src.slice(start, i), line });
    } else if (c === "/" && regexAllowed(toks[toks.length - 1])) {
      const start = i++;
      let inClass = false;
      while (i < n && src[i] !== "\n") {
        if (src[i] === "\\") i += 2;
        else if (src[i] === "[") inClass = true, i++;
        else if (src[i] === "]") inClass = false, i++;
        else if (src[i] === "/" && !inClass) break;
        else i++;
      }
      i++;
      while (i < n && ID_PART.test(src[i])) i++;
      toks.push({ kind: "regex", text: src.slice(start, i), line });
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      toks.push({ kind: "punct", text: c, line });
      i++;
    }
  }
  return toks;
}

const literal = (t: Tok | undefined): string | undefined =>
  t && (t.kind === "str" || t.kind === "tpl") ? t.value : undefined;
const isP = (t: Tok | undefined, p: string) => t?.kind === "punct" && t.text === p;
const isId = (t: Tok | undefined, id: string) => t?.kind === "id" && t.text === id;

/** Every module reference in `src`, in source order. */
export function scanRefs(src: string): Ref[] {
  const t = tokenize(src);
  const refs: Ref[] = [];
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    if (tok.kind !== "id") continue;
    const prevDot = isP(t[i - 1], ".");
    if (tok.text === "import" && !prevDot) {
      const next = t[i + 1];
      if (isP(next, "(")) {
        const spec = literal(t[i + 2]);
        const plain = spec !== undefined && (isP(t[i + 3], ")") || isP(t[i + 3], ","));
        refs.push({ specifier: plain ? spec : null, kind: "dynamic", line: tok.line });
      } else if (isP(next, ".")) {
        // import.meta.resolve("x")
        if (
          isId(t[i + 2], "meta") && isP(t[i + 3], ".") && isId(t[i + 4], "resolve") &&
          isP(t[i + 5], "(")
        ) {
          const spec = literal(t[i + 6]);
          if (spec !== undefined) refs.push({ specifier: spec, kind: "resolve", line: tok.line });
        }
      } else if (
        next && (next.kind === "id" || next.kind === "str" || isP(next, "{") || isP(next, "*"))
      ) {
        // Static import: the first string after `import` is the specifier.
        const typeOnly = isId(next, "type") && !isP(t[i + 2], ",") && !isId(t[i + 2], "from");
        for (let j = i + 1; j < t.length && j < i + 2000; j++) {
          if (t[j].kind === "str") {
            refs.push({
              specifier: t[j].value!,
              kind: typeOnly ? "type" : "import",
              line: tok.line,
            });
            break;
          }
          if (isP(t[j], ";") || isP(t[j], "(") || isP(t[j], "=")) break;
        }
      }
    } else if (tok.text === "export" && !prevDot) {
      let j = i + 1;
      const typeOnly = isId(t[j], "type");
      if (typeOnly) j++;
      if (isP(t[j], "*")) {
        j++;
        if (isId(t[j], "as")) j += 2;
      } else if (isP(t[j], "{")) {
        let d = 0;
        for (; j < t.length; j++) {
          if (isP(t[j], "{")) d++;
          else if (isP(t[j], "}") && --d === 0) break;
        }
        j++;
      } else continue;
      if (isId(t[j], "from") && t[j + 1]?.kind === "str") {
        refs.push({
          specifier: t[j + 1].value!,
          kind: typeOnly ? "type" : "export",
          line: tok.line,
        });
      }
    } else if (tok.text === "new" && isId(t[i + 1], "URL") && isP(t[i + 2], "(")) {
      // new URL("x", import.meta.url)
      const spec = literal(t[i + 3]);
      if (
        spec !== undefined && isP(t[i + 4], ",") && isId(t[i + 5], "import") &&
        isP(t[i + 6], ".") && isId(t[i + 7], "meta") && isP(t[i + 8], ".") &&
        isId(t[i + 9], "url")
      ) {
        refs.push({ specifier: spec, kind: "url", line: tok.line });
      }
    }
  }
  return refs;
}
