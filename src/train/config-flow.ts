// A slip in a config's brackets ({r: 8, alpha: 16 left open, a } too many, a comma left out, a Python tuple's
// parentheses) or quotes (one never closed), said in our words at the bracket's or quote's file:line:column with the text
// to write: the parser's own words ("Flow map in block collection must be sufficiently indented and end with a }", at the
// next line; "Missing closing \"quote", at the end of the file) named neither. Also a decimal comma inside { }, which
// the parser reads without complaint as two entries.
import YAML from 'yaml';

/** A bracket slip the parser's error `code` (yaml's YAMLParseError.code) at `offset` of the config `text` shows: where it is and what to write; else null. */
export function bracketSlip(text: string, code: string, offset: number): { offset: number; what: string } | null {
  const { open, crossed } = openBrackets(text, offset);
  // `[q_proj, v_proj}`: a closing bracket of the other kind, where the one open wants its own
  if (crossed !== null) {
    return { offset: crossed.offset, what: `a ${crossed.char} where the ${crossed.open} before it is still open: close that first, ${CLOSER[crossed.open]}${crossed.char}` };
  }
  // (a { that ends its line opens a mapping over lines by intent: a line not indented into it is the parser's to name)
  const lineEnd = open.length > 0 ? text.indexOf('\n', open[0]!.offset) : -1;
  if (code === 'BAD_INDENT' && open.length > 0 && !/^[ \t]*(#.*)?$/.test(text.slice(open[0]!.offset + 1, lineEnd < 0 ? text.length : lineEnd))) {
    // the line of the first bracket left open, with each bracket opened on it closed in turn
    const first = open[0]!;
    const line = text.slice(text.lastIndexOf('\n', first.offset) + 1, lineEnd < 0 ? text.length : lineEnd).replace(/\s+#.*$/, '').trim();
    const closers = open.filter((b) => b.offset <= (lineEnd < 0 ? text.length : lineEnd)).reverse().map((b) => CLOSER[b.char]).join('');
    return { offset: first.offset, what: `a ${first.char} left open (YAML reads on past the line for its ${CLOSER[first.char]}): close it on its line, ${line}${closers}` };
  }
  const char = text[offset];
  if (code === 'UNEXPECTED_TOKEN' && (char === '}' || char === ']') && open.length === 0) {
    return { offset, what: `a ${char} with no ${char === '}' ? '{' : '['} open before it: remove it` };
  }
  if (code === 'BLOCK_IN_FLOW' && open.length > 0) {
    // `{lr: 1e-4 betas: [0.9, 0.99]}`: the value before the key that has no comma before it
    const m = /^([^\s,]+)\s+([^\s,:{}[\]]+):(\s|$)/.exec(text.slice(offset));
    if (m !== null) return { offset: offset + m[1]!.length + 1, what: `a comma is missing before ${m[2]}: inside ${open[open.length - 1]!.char} ${CLOSER[open[open.length - 1]!.char]} the items are separated by commas: write ${m[1]}, ${m[2]}:` };
  }
  // `lora: (r: 8, alpha: 16)`: a Python tuple's parentheses, which YAML does not have
  const paren = /:[ \t]+\(([^()\n]*)\)[ \t]*(#.*)?$/m.exec(lineAt(text, offset));
  if (paren !== null) {
    const inner = paren[1]!.trim();
    const written = /(^|,)\s*[^\s,:]+:\s/.test(`${inner} `) ? `{${inner}}` : `[${inner}]`;
    return { offset: text.lastIndexOf('\n', offset - 1) + 1 + lineAt(text, offset).indexOf('('), what: `YAML has no parentheses for a mapping or a list: write ${written}` };
  }
  return null;
}

/**
 * A quote the parser's error `code` says is never closed (`model: "runs/x`, which YAML reads on to the end of the file
 * for its closing quote): where it opens and what to write; else null. The quotes are the parser's lexer's: one in a
 * comment, a block scalar or a plain value (`it's`) is text.
 */
export function quoteSlip(text: string, code: string): { offset: number; what: string } | null {
  if (code !== 'MISSING_CHAR') return null;
  let offset = 0;
  for (const token of new YAML.Lexer().lex(text)) {
    const type = YAML.CST.tokenType(token);
    if (type === 'double-quoted-scalar' || type === 'single-quoted-scalar') {
      const q = token[0]!;
      // closed: the quote ends the token (an escaped \" or a doubled '' inside it is text, read by the lexer)
      const closed = token.length > 1 && token.endsWith(q) && (q === "'" || !/(^|[^\\])(\\\\)*\\"$/.test(token.slice(1)));
      if (!closed) {
        const line = lineAt(text, offset).trimEnd(), column = offset - (text.lastIndexOf('\n', offset - 1) + 1);
        // the line with the quote closed at its end, where no bracket after the quote wants closing before it
        const fix = /[\]}]/.test(line.slice(column)) ? '' : `, ${line.trim()}${q}`;
        return { offset, what: `a ${q} left open (YAML reads on past the line, to the end of the file, for its closing ${q}): close it on its line${fix}` };
      }
    }
    if (token !== YAML.CST.DOCUMENT && token !== YAML.CST.SCALAR && token !== YAML.CST.FLOW_END) offset += token.length;
  }
  return null;
}

/** The closing bracket of each opening one. */
const CLOSER: Readonly<Record<string, string>> = { '{': '}', '[': ']' };

/**
 * The brackets of `text` left open at `end`, outermost first, with their offsets; and the first closing bracket of the
 * other kind than the one open (`crossed`), or null. The brackets are the parser's own lexer's flow brackets: one in quotes,
 * a comment, a block scalar (`|`) or a plain value (`x[a}`) is text.
 */
function openBrackets(text: string, end: number): { open: Array<{ char: string; offset: number }>; crossed: { char: string; offset: number; open: string } | null } {
  const stack: Array<{ char: string; offset: number }> = [];
  let offset = 0;
  for (const token of new YAML.Lexer().lex(text)) {
    if (offset > end) break;
    const type = YAML.CST.tokenType(token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') stack.push({ char: token, offset });
    else if ((type === 'flow-map-end' || type === 'flow-seq-end') && stack.length > 0) {
      const top = stack.pop()!;
      if (CLOSER[top.char] !== token) return { open: [...stack, top], crossed: { char: token, offset, open: top.char } };
    }
    // the lexer's marks (a document's start, a scalar's, a flow ended by indentation) are no text
    if (token !== YAML.CST.DOCUMENT && token !== YAML.CST.SCALAR && token !== YAML.CST.FLOW_END) offset += token.length;
  }
  return { open: stack, crossed: null };
}

/** The line of `text` that holds `offset`. */
function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1, end = text.indexOf('\n', offset);
  return text.slice(start, end < 0 ? text.length : end);
}

/**
 * A number with a decimal comma inside a flow mapping (`lora: {dropout: 0,05}`), which YAML reads as two entries, `dropout:
 * 0` and a key `05` with no value, where a block mapping's `dropout: 0,05` is one string that validation names: where its
 * value starts and what to write; else null. `under`: the key path `doc` is the value of (a --key override's); `takes`:
 * whether the key at a path takes a number (a key it does not take one for is left to validation).
 */
export function flowDecimalComma(doc: YAML.Document, text: string, under: string[] = [], takes: (path: string[], value: number) => boolean = () => true): { offset: number; what: string } | null {
  const stack: Array<{ node: unknown; path: string[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (YAML.isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: [...path, String(i)] }));
    if (!YAML.isMap(node)) continue;
    for (const [i, pair] of node.items.entries()) {
      const name = YAML.isScalar(pair.key) ? String(pair.key.value) : null;
      if (name !== null) stack.push({ node: pair.value, path: [...path, name] });
      const next = node.items[i + 1];
      const whole = plainSource(pair.value, text), fraction = next?.value === null ? plainSource(next.key, text) : null;
      // (the comma right after the whole number, no space: `{a: 1, 2}` is not read as a slip)
      if (!node.flow || name === null || whole === null || fraction === null || !/^[-+]?\d+$/.test(whole.source) || !/^\d+([eE][-+]?\d+)?$/.test(fraction.source)) continue;
      if (text.slice(whole.end, fraction.start) !== ',') continue;
      const meant = `${whole.source}.${fraction.source}`;
      // a key that takes no such number (lora: {r: 8,16}: r is a whole number) was no decimal comma: "write r: 8.16" misled
      if (!takes([...under, ...path, name], Number(meant))) continue;
      return { offset: whole.start,
        what: `${[...path, name].join('.')}: inside { } a comma separates entries, so YAML read ${whole.source},${fraction.source} as ${name}: ${whole.source} and a key ${fraction.source}: write ${name}: ${meant} (a decimal point)` };
    }
  }
  return null;
}

/** A plain (unquoted) scalar's source text and where it starts and ends in `text`; else null. */
function plainSource(node: unknown, text: string): { source: string; start: number; end: number } | null {
  if (!YAML.isScalar(node) || node.type !== 'PLAIN' || !node.range) return null;
  const [start, end] = node.range;
  return { source: text.slice(start, end), start, end };
}
