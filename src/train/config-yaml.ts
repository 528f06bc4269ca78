// Reading a training config's YAML: the file's mapping (refused in one line where it is not UTF-8 text, not YAML, or
// not a mapping), where each key path was written (file:line:column) and the text a number was written as, and a
// CLI override's value read as YAML reads it. Validating what was read is config.ts's job.
import YAML from 'yaml';
import { shellPath } from '../util/shell-quote.ts';
import { UserError } from '../util/errors.ts';
import { readLines } from '../util/lines.ts';
import { cutShortText } from '../util/utf8-defects.ts';
import { bracketSlip, flowDecimalComma, quoteSlip } from './config-flow.ts';
import { INDENT_ERROR_CODES, indentSlip } from './config-indent.ts';
import { schemaAt } from './config-schema.ts';
import { firstNonPlain, MAX_DEPTH, PLAIN_TAGS, parsePlainDocument, silentlyChanged, spaceAfterColon, tooDeep } from '../util/yaml-plain.ts';

/** Where a config key path was written (`file:line:column`), or one place for every key (a file, "command line"). */
export type Place = string | ((key: string) => string);

/** The text a number or boolean at a key path was written as (`1.0`), where it was read from YAML; else undefined. */
export type Written = (key: string) => string | undefined;

/** A YAML file that holds a mapping (a config); errors name the file. */
export function readYamlMapping(file: string): Record<string, unknown> {
  return readYamlConfig(file).mapping;
}

/**
 * A YAML config's mapping, and the place of each key path in it: the file:line:column of the key (of the list
 * item, for `lora.target_modules.1`), else of the nearest key above it that is written, else the file.
 */
export function readYamlConfig(file: string): { mapping: Record<string, unknown>; place: (key: string) => string; written: Written; anchorOf: (key: string) => string | undefined } {
  // a FIFO or folder in the config's place is a one-line error, never a read that blocks forever; a carriage return
  // alone ends a line in YAML (classic Mac line ends), where the parser would read `max_steps: 2\r` as the string "2\r";
  // UTF-16 and bytes that are not UTF-8 are refused where they are (a Latin-1 "café" became the path "caf\uFFFD")
  const lines = [...readLines(file, undefined, undefined, true)];
  const defective = lines.find((l) => l.defect !== undefined);
  if (defective !== undefined) {
    // a last line that ends inside a character: the file cut short (readLines' LineDefect.cutShort), not to be re-saved
    const d = defective.defect!;
    const what = d.kind === 'binary' ? 'a NUL byte: this is not a text file' : d.cutShort ? cutShortText(d.byte, defective.lineNo, undefined, d.latin1) : 'bytes that are not UTF-8: save the config as UTF-8';
    throw new UserError(what, `${file}:${defective.lineNo}:${d.char + 1}`);
  }
  // a "---" after the config with nothing but comments below it starts an empty document, not a second config
  const blank = (t: string): boolean => /^\s*(#.*)?$/.test(t);
  const last = lines.findLastIndex((l) => !blank(l.text));
  const end = last > 0 && /^---\s*(#.*)?$/.test(lines[last]!.text) ? last : lines.length;
  const text = lines.slice(0, end).map((l) => l.text).join('\n');
  let doc: unknown;
  let place = (_key: string): string => file;
  let written: Written = () => undefined;
  let anchorOf = (_key: string): string | undefined => undefined;
  try {
    // checked before the document is composed, which recursed once a level: "Maximum call stack size exceeded"
    const read = parsePlainDocument(text);
    if ('deep' in read) throw new UserError(TOO_DEEP, `${file}:${lineColumn(text, read.deep)}`);
    // a warning (a tag it cannot resolve, !!js/function) is refused as an error: YAML.parse would print it on
    // stderr over several lines and read the value as a plain string
    const { doc: parsed, lineCounter } = read;
    const at = (offset: number): string => `${file}:${lineCounter.linePos(offset).line}:${lineCounter.linePos(offset).col}`;
    // a key given twice is named by its key path and the line of its first (the parser says "Map keys must be unique")
    const twice = parsed.errors[0]?.code === 'DUPLICATE_KEY' ? duplicateKey(parsed, parsed.errors[0].pos[0]) : null;
    if (twice !== null) {
      // two mappings (a section written twice): YAML would not merge them
      const section = YAML.isMap(twice.value) && YAML.isMap(twice.firstValue) ? `, with all its keys under the one ${twice.key.split('.').pop()}:` : '';
      throw new UserError(`${twice.key} is given twice (first at line ${lineCounter.linePos(twice.first).line}): give it once${section}`, at(parsed.errors[0]!.pos[0]));
    }
    if (parsed.errors[0]) throw parsed.errors[0];
    // a tag left unresolved (a warning) is said as such (firstNonPlain), before any other warning
    const odd = firstNonPlain(parsed, text);
    if (odd) throw new UserError(odd.what, at(odd.offset));
    if (parsed.warnings[0]) throw parsed.warnings[0];
    // `- neg` over `   - pos` a space further in: YAML folds the second line into the first item, "neg - pos" (a class
    // name that passed unseen where the list was still long enough)
    const folded = foldedItem(parsed, text);
    if (folded !== null) {
      const [from, to] = [lineCounter.linePos(folded.offset).line, lineCounter.linePos(folded.end).line];
      throw new UserError(`${folded.key}: YAML read lines ${from}-${to} as this one item, ${JSON.stringify(folded.value)}: an item's "- " indented further than ` +
        'the one above continues it: line up the dashes', at(folded.offset));
    }
    // `{dropout: 0,05}`: two entries to YAML, dropout: 0 and a key 05, which no check after this one would tie together
    const comma = flowDecimalComma(parsed, text, [], takesNumber);
    if (comma !== null) throw new UserError(comma.what, at(comma.offset));
    try {
      doc = parsed.toJS();
    } catch (e) {
      // an alias of no anchor above it, or aliases of aliases past the library's bound: said at the alias, not at no line
      const alias = aliasSlip(parsed);
      if (alias === null) throw e;
      throw new UserError(alias.what, at(alias.offset));
    }
    place = (key) => {
      const { offset } = nodeAt(parsed, key);
      if (offset === null) return file;
      const { line, col } = lineCounter.linePos(offset);
      return `${file}:${line}:${col}`;
    };
    written = (key) => writtenAt(parsed, key);
    anchorOf = (key) => aliasedAnchor(parsed, key);
  } catch (e) {
    if (e instanceof UserError) throw e;
    // one line: the parser's first line (without its "at line L, column C:" tail) at file:line:column
    const pos = (e as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    // a key a space too far in or out, or a tab: named with the indentation to write, where the parser names neither
    const code = (e as { code?: string }).code;
    const offset = (e as { pos?: [number, number] }).pos?.[0];
    // a bracket left open or one too many, a comma left out inside { }, a Python tuple's ( ): what to write
    const bracket = code !== undefined && offset !== undefined ? bracketSlip(text, code, offset) : null;
    if (bracket !== null) throw new UserError(bracket.what, `${file}:${lineColumn(text, bracket.offset)}`);
    // a quote never closed: named where it opens, not at the end of the file where the parser gives up
    const quote = code !== undefined ? quoteSlip(text, code) : null;
    if (quote !== null) throw new UserError(quote.what, `${file}:${lineColumn(text, quote.offset)}`);
    const slip = pos !== undefined && code !== undefined && INDENT_ERROR_CODES.has(code) ? indentSlip(lines.slice(0, end).map((l) => l.text), pos.line) : null;
    if (slip !== null) throw new UserError(slip.what, `${file}:${slip.line}:${slip.col}`);
    const first = (e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      // the library's advice is for its callers: a config is one document
      .replace(/^Source contains multiple documents; please use YAML\.parseAllDocuments\(\)$/, 'a config is one YAML document, but "---" starts a second one here');
    // `max_steps:10`, which YAML reads as text where a key was due: said at its line
    const spaced = pos ? spaceAfterColon(lines[pos.line - 1]?.text.replace(/\s#.*$/, '') ?? '') : '';
    throw new UserError(`invalid YAML: ${first}${spaced}${dataFileHint(file)}`, pos ? `${file}:${pos.line}:${pos.col}` : file);
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new UserError(`the config must be a YAML mapping of keys to values${dataFileHint(file)}`, file);
  }
  return { mapping: (doc ?? {}) as Record<string, unknown>, place, written, anchorOf };
}

/** The anchor (`&name`) of the value at the dotted key path `key` of `doc` where an alias (`*name`) repeats it; else undefined. */
function aliasedAnchor(doc: YAML.Document, key: string): string | undefined {
  const { node } = nodeAt(doc, key);
  const anchor = YAML.isNode(node) && !YAML.isAlias(node) ? node.anchor : undefined;
  if (anchor === undefined) return undefined;
  let used = false;
  YAML.visit(doc, {
    Alias: (_, alias) => {
      used = alias.source === anchor;
      return used ? YAML.visit.BREAK : undefined;
    },
  });
  return used ? anchor : undefined;
}

/**
 * The text offset of the dotted key path's deepest part written in `doc` (through aliases), or null for none; and
 * the node at the whole path, or undefined where it is not written.
 */
export function nodeAt(doc: YAML.Document, key: string): { offset: number | null; node: unknown } {
  let node: unknown = doc.contents;
  let offset: number | null = null;
  const parts = key === '' ? [] : key.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (YAML.isAlias(node)) node = node.resolve(doc);
    let at: YAML.Node | undefined;
    if (YAML.isMap(node)) {
      // a key written with dots in it (`lora.r: 4`, which YAML reads as one key) is found as written
      const map = node;
      const named = (name: string): YAML.Pair | undefined => map.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === name);
      const whole = named(parts.slice(i).join('.'));
      if (whole !== undefined) i = parts.length - 1;
      const pair = whole ?? named(part);
      at = pair?.key as YAML.Scalar | undefined;
      node = pair?.value;
    } else if (YAML.isSeq(node) && /^\d+$/.test(part)) {
      node = node.items[Number(part)];
      at = YAML.isNode(node) ? node : undefined;
    }
    if (at?.range === undefined || at.range === null) return { offset, node: undefined };
    offset = at.range[0];
  }
  return { offset, node: YAML.isAlias(node) ? node.resolve(doc) : node };
}

/**
 * The source text of the scalar at the dotted key path when YAML read it as a number, boolean or written null (`1.0`, which
 * the number 1 would print as "1"; `~`), or a string by its !!str tag (`!!str 8`), so that advice can quote what was written;
 * else undefined.
 */
export function writtenAt(doc: YAML.Document, key: string): string | undefined {
  const { node } = nodeAt(doc, key);
  // `!!str 8`: a string by its tag, whose error said to drop quotes it does not have (valueHint says the tag)
  if (YAML.isScalar(node) && node.tag === 'tag:yaml.org,2002:str' && typeof node.value === 'string') return `!!str ${node.value}`;
  // `null`, `~`: an explicit null, which advice does not call empty
  if (YAML.isScalar(node) && node.value === null) return typeof node.source === 'string' && node.source !== '' ? node.source : undefined;
  if (!YAML.isScalar(node) || (typeof node.value !== 'number' && typeof node.value !== 'boolean')) return undefined;
  return typeof node.source === 'string' ? node.source : undefined;
}

/**
 * The key written twice in one mapping whose second key starts at `offset`: its dotted key path, the offset of its first
 * key, and the values of both; null where no such key is found (the parser's own message is said then).
 */
function duplicateKey(doc: YAML.Document, offset: number): { key: string; first: number; value: unknown; firstValue: unknown } | null {
  const stack: Array<{ node: unknown; path: string[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (YAML.isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: [...path, String(i)] }));
    if (!YAML.isMap(node)) continue;
    for (const pair of node.items) {
      const name = YAML.isScalar(pair.key) ? String(pair.key.value) : null;
      if (YAML.isScalar(pair.key) && pair.key.range?.[0] === offset) {
        const first = node.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === name && p !== pair);
        const at = (first?.key as YAML.Scalar | undefined)?.range?.[0];
        return at === undefined ? null : { key: [...path, name!].join('.'), first: at, value: pair.value, firstValue: first!.value };
      }
      if (name !== null) stack.push({ node: pair.value, path: [...path, name] });
    }
  }
  return null;
}

/**
 * The first list item of `doc` (parsed from `text`) that is plain text over several lines of which one after the first
 * starts with "- " (a dash meant as the next item's): its dotted key path, value and where its text starts and ends; else null.
 */
function foldedItem(doc: YAML.Document, text: string): { key: string; value: string; offset: number; end: number } | null {
  const stack: Array<{ node: unknown; path: string[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (YAML.isMap(node)) {
      for (const pair of [...node.items].reverse()) if (YAML.isScalar(pair.key)) stack.push({ node: pair.value, path: [...path, String(pair.key.value)] });
    }
    if (!YAML.isSeq(node)) continue;
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item = node.items[i];
      const range = YAML.isScalar(item) ? item.range : null;
      if (YAML.isScalar(item) && item.type === 'PLAIN' && typeof item.value === 'string' && range && /\n[ \t]*-[ \t]/.test(text.slice(range[0], range[1]))) {
        return { key: [...path, String(i)].join('.'), value: item.value, offset: range[0], end: range[1] };
      }
      stack.push({ node: item, path: [...path, String(i)] });
    }
  }
  return null;
}

/**
 * Why `doc`'s aliases would not compose (toJS threw): the first alias (`*name`) with no anchor (`&name`) before it, else
 * the first alias, of aliases that repeat too much (YAML's "billion laughs"); null where it has no alias.
 */
function aliasSlip(doc: YAML.Document): { offset: number; what: string } | null {
  const anchors = new Set<string>();
  const found: { first?: YAML.Alias; unresolved?: YAML.Alias } = {};
  YAML.visit(doc, {
    Node: (_, node) => {
      if (YAML.isAlias(node)) {
        found.first ??= node;
        if (!anchors.has(node.source)) {
          found.unresolved = node;
          return YAML.visit.BREAK;
        }
      } else if (node.anchor !== undefined) anchors.add(node.anchor);
      return undefined;
    },
  });
  const alias = found.unresolved ?? found.first;
  if (alias === undefined) return null;
  const offset = alias.range?.[0] ?? 0;
  if (found.unresolved !== undefined) {
    return { offset, what: `*${alias.source} is an alias of no anchor &${alias.source} above it: write &${alias.source} before the value to repeat (or quote "*${alias.source}" for the text)` };
  }
  return { offset, what: 'the aliases expand past the parser\'s bound (its guard against YAML\'s "billion laughs", aliases of aliases that grow without end): write the values themselves' };
}

/** `LINE:COLUMN` (from 1) of `offset` in `text`, whose lines end with \n. */
function lineColumn(text: string, offset: number): string {
  return `${text.slice(0, offset).split('\n').length}:${offset - text.lastIndexOf('\n', offset - 1)}`;
}

/** What nesting past MAX_DEPTH is refused with. */
const TOO_DEEP = `lists or mappings nested ${MAX_DEPTH} deep: a config's keys are a few levels deep at most (lora: {r: 8}); remove the extra nesting`;

/** For a config file named as data (`train prepared/train.jsonl`): what to give instead; else ''. */
function dataFileHint(file: string): string {
  return /\.(jsonl|ndjson|jsonlines|json|csv|tsv|tab)$/i.test(file) ? ` (a data file? train takes a YAML config; data goes in data.train, e.g. --data.train ${shellPath(file)})` : '';
}

/**
 * A CLI override's value as YAML would read it: numbers, booleans, null, lists, else a string; not-plain YAML, and a
 * comment or line break YAML would drop or fold unseen, are blamed on `--key`.
 */
export function parseOverride(key: string, value: string): { value: unknown; doc: YAML.Document | null } {
  if (tooDeep(value) !== null) throw new UserError(TOO_DEEP, `--${key}`);
  const parsed = YAML.parseDocument(value, PLAIN_TAGS);
  if (parsed.errors.length > 0) return { value, doc: null };
  const odd = firstNonPlain(parsed, value); // a tag left unresolved (a warning) is said as such
  if (odd) throw new UserError(odd.what, `--${key}`);
  if (parsed.warnings.length > 0) return { value, doc: null };
  const changed = silentlyChanged(value, parsed);
  if (changed) throw new UserError(changed, `--${key}`);
  const comma = flowDecimalComma(parsed, value, key.split('.'), takesNumber);
  if (comma) throw new UserError(comma.what, `--${key}`);
  let v: unknown;
  try {
    v = parsed.toJS();
  } catch (e) {
    // an alias of no anchor (`*a`), or too many aliases: refused as a config file's are, not thrown with a stack trace
    const message = (e as Error).message.split('\n')[0]!;
    const hint = /^Unresolved alias/.test(message) ? ` (YAML reads a leading * as an alias; for the text, quote it as YAML: '"${value}"')` : '';
    throw new UserError(`invalid YAML: ${message}${hint}`, `--${key}`);
  }
  return v === undefined ? { value, doc: null } : { value: v, doc: parsed };
}

/** Whether the config key at `path` takes the number `n` (a path that is no key, or a mapping of any keys, may). */
function takesNumber(path: string[], n: number): boolean {
  return schemaAt(path)?.safeParse(n).success !== false;
}
