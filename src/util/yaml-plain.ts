// A config holds plain YAML: null, booleans, numbers, strings, lists, and mappings keyed by plain words. The YAML
// library also makes JavaScript objects a schema cannot read as written: !!omap gives a Map and !!set a Set (both
// read as an empty mapping: `lora: !!omap [r: 4]` would train with the default r, silently), !!binary a Buffer
// (its hundred methods each reported as an unknown key), a date (2001-12-14 under %YAML 1.1, or !!timestamp) a Date,
// a key that is a list or mapping the string "[ a, b ]" with a warning printed over two lines, and a null key "".
// YAML 1.2's core tags (!!str, !!int, !!float, !!bool, !!null) are read where they fit their value (PLAIN_TAGS adds the
// integer form of !!float the library left unresolved: `!!float 16`); any other tag, or one its value does not fit, is
// refused saying so, and so is nesting past MAX_DEPTH, on which the library's recursion overflowed.
import YAML from 'yaml';

const STR = 'tag:yaml.org,2002:str';

/**
 * The parse options of a config's YAML: YAML 1.2's !!float of an integer (`!!float 16`, 16.0 by the core schema's
 * float pattern), which the library's float tags (each needing a dot or an exponent) left an "Unresolved tag" warning.
 */
export const PLAIN_TAGS: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {
  customTags: [{ tag: 'tag:yaml.org,2002:float', default: true, test: /^[-+]?[0-9]+$/, resolve: (text: string) => Number(text) }],
};

/** What to say of the tag `tag` (short form) that its value `text` left unresolved. */
function unresolvedTag(tag: string, text: string): string {
  const core = ['!!int', '!!float', '!!bool', '!!null'].includes(tag);
  return core ? `a YAML ${tag} tag on ${JSON.stringify(text)}, which is no ${tag.slice(2)} in YAML 1.2: write the value without the tag (or one the tag takes)`
    : `a YAML tag (${tag}): a config reads only YAML 1.2's core tags (!!str, !!int, !!float, !!bool, !!null); write the value without it`;
}

/** Lists and mappings nested deeper than this are refused: a config nests a few levels, and 1,000 overflowed the stack. */
export const MAX_DEPTH = 64;

/**
 * The offset of the first list or mapping of `text` nested MAX_DEPTH deep, or null: found on the parser's token tree,
 * walked with a stack of its own (the library's composer and visitor recurse, and ran out of stack on such text). Every
 * YAML text not ours is checked with it before it is parsed (a config, a quoted value the advice reads, a run's
 * config.yaml on the dashboard, a model card): after one overflow was caught, a second parse of such text crashed node
 * (FATAL ERROR: RegExpCompiler Allocation failed), which no catch stops.
 */
export function tooDeep(text: string): number | null {
  return deepestIn(new YAML.Parser().parse(text));
}

/** tooDeep of the parser's tokens of a text. */
function deepestIn(tokens: Iterable<YAML.CST.Token>): number | null {
  const stack: Array<{ token: YAML.CST.Token | null | undefined; depth: number }> = [];
  for (const token of tokens) stack.push({ token, depth: 0 });
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token?.type === 'document') stack.push({ token: token.value, depth });
    if (token?.type !== 'block-map' && token?.type !== 'block-seq' && token?.type !== 'flow-collection') continue;
    if (depth >= MAX_DEPTH) return token.offset;
    for (const item of token.items) stack.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
  }
  return null;
}

/**
 * `text` parsed as YAML.parseDocument(text, {...PLAIN_TAGS, prettyErrors: true, lineCounter}) parses it, its tokens
 * checked by tooDeep and composed once (a config of 700,000 labels was parsed twice: 28 s of 81); or `deep`, the offset
 * of a list or mapping nested MAX_DEPTH deep. A text with an error, a warning or a second document is parsed again by
 * parseDocument itself, whose errors carry their line and column (the library's prettifyError is its own).
 */
export function parsePlainDocument(text: string): { doc: YAML.Document.Parsed; lineCounter: YAML.LineCounter } | { deep: number } {
  const lineCounter = new YAML.LineCounter();
  const tokens = [...new YAML.Parser(lineCounter.addNewLine).parse(text)];
  const deep = deepestIn(tokens);
  if (deep !== null) return { deep };
  const docs: YAML.Document.Parsed[] = [];
  for (const doc of new YAML.Composer({ ...PLAIN_TAGS, prettyErrors: true, lineCounter }).compose(tokens, true, text.length)) {
    docs.push(doc);
    if (docs.length > 1) break;
  }
  const doc = docs[0];
  if (doc !== undefined && docs.length === 1 && doc.errors.length === 0 && doc.warnings.length === 0) return { doc, lineCounter };
  const again = new YAML.LineCounter();
  return { doc: YAML.parseDocument(text, { ...PLAIN_TAGS, prettyErrors: true, lineCounter: again }), lineCounter: again };
}

/**
 * The first node of `doc` (parsed from `text`) that is not plain YAML: its offset in the text and what it is, or null.
 * A node written with a tag is named at its tag (`seed: !foo 3`: the "!foo", not the 3 its range starts at).
 */
export function firstNonPlain(doc: YAML.Document, text: string): { offset: number; what: string } | null {
  let found: { offset: number; what: string } | null = null;
  const stop = (node: YAML.Node | null | undefined, what: string): symbol => {
    const at = node?.range?.[0] ?? 0;
    // its tag is the last written before it: only spaces, line ends, comments and an anchor come between
    const tag = YAML.isNode(node) && node.tag !== undefined ? tagOffsets(text).findLast((t) => t < at) : undefined;
    found = { offset: tag ?? at, what };
    return YAML.visit.BREAK;
  };
  YAML.visit(doc, {
    Pair: (_, pair) => {
      if (YAML.isCollection(pair.key)) return stop(pair.key, 'a key that is a list or mapping: keys are plain words');
      // `~: x` (or `? ` alone) is the key null, which the library makes "": it would be an unknown key "" at no line
      const key: unknown = pair.key;
      if (key === null || (YAML.isScalar(key) && key.value === null)) {
        return stop(YAML.isNode(key) && key.range ? key : (pair.value as YAML.Node | null), 'a null key (~, null or none before the colon): keys are plain words');
      }
      return undefined;
    },
    Scalar: (_, node) => {
      const v: unknown = node.value;
      // a tag the library could not resolve leaves the text as a string (`!!int 3.0`, `!x y`): said as what it is
      if (node.tag !== undefined && node.tag !== STR && typeof v === 'string') return stop(node, unresolvedTag(short(node.tag), v));
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return undefined;
      return stop(node, v instanceof Date ? 'a date (YAML reads 2001-12-14 as one): quote it to give a string' : `a ${short(node.tag)} value, which no config key takes`);
    },
    Map: (_, node) => (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:map' ? stop(node, `a ${short(node.tag)} mapping: write a plain one ({key: value})`) : undefined),
    Seq: (_, node) => (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:seq' ? stop(node, `a ${short(node.tag)} list: write a plain mapping or list`) : undefined),
  });
  return found;
}

/** The control tokens of the YAML lexer, which stand for no text of the source. */
const CONTROL: ReadonlySet<string> = new Set([YAML.CST.DOCUMENT, YAML.CST.FLOW_END, YAML.CST.SCALAR]);

/** The offsets in `text` of the tags written in it (`!foo`, `!!omap`), in order; a scalar's text that starts with "!" is none. */
function tagOffsets(text: string): number[] {
  const out: number[] = [];
  let offset = 0, before = '';
  for (const token of new YAML.Lexer().lex(text)) {
    if (token.startsWith('!') && before !== YAML.CST.SCALAR) out.push(offset);
    if (!CONTROL.has(token)) offset += token.length;
    before = token;
  }
  return out;
}

/** `tag:yaml.org,2002:omap` as it is written, `!!omap`. */
function short(tag: string | undefined): string {
  return tag === undefined ? 'typed' : tag.replace(/^tag:yaml\.org,2002:/, '!!');
}

/**
 * What YAML would silently drop or change in a one-line value given on the command line (a `--key VALUE` override),
 * or null: a comment (`runs/x #1` reads as `runs/x`, `#1` as null) and a line break inside a string, which YAML
 * folds into a space (a block scalar, `|`, keeps it as written).
 */
export function silentlyChanged(text: string, doc: YAML.Document): string | null {
  const tokens = [...new YAML.Lexer().lex(text)];
  // a token starting with # is a comment, except a scalar's own text (the lexer puts SCALAR before each)
  const comment = tokens.find((t, i) => t.startsWith('#') && tokens[i - 1] !== YAML.CST.SCALAR);
  if (comment !== undefined) {
    return `YAML reads ${JSON.stringify(comment.trimEnd())} as a comment and would drop it: to keep the "#", give the value as a quoted YAML string, '${JSON.stringify(text)}'`;
  }
  let folded = false;
  YAML.visit(doc, {
    Scalar: (_, node) => {
      const source = node.range ? text.slice(node.range[0], node.range[1]) : '';
      if (['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'].includes(node.type ?? '') && /[\r\n]/.test(source)) folded = true;
      return folded ? YAML.visit.BREAK : undefined;
    },
  });
  return folded ? 'YAML reads a line break inside a string as a space: to keep it, give the value as a double-quoted YAML string with \\n for the line break' : null;
}

/**
 * Keys written with no space after the colon (`lr:1e-4`, or `lr:1e-4 eps:1e-8` as YAML folds such lines), which YAML
 * reads as one string: the advice that says each as it is written (`lr: 1e-4`), or '' where `text` is not such keys
 * (a URL or a Windows path has a / or \ after its colon; `isKey`: whether the word before a colon may be a key there).
 */
export function spaceAfterColon(text: string, isKey: (name: string) => boolean = () => true): string {
  const keys = text.trim().split(/\s+/).map((part) => /^([A-Za-z_][\w-]*):([^\s/\\].*)$/.exec(part));
  if (keys.length === 0 || keys.some((m) => m === null || !isKey(m[1]!))) return '';
  return ` (YAML needs a space after a key's colon: write ${keys.map((m) => `${m![1]}: ${m![2]}`).join(' and ')})`;
}

/** A negative number as YAML 1.2's core schema reads it (`-1`, `-0.999`, `-1e-4`, `-.5`, `-.inf`). */
const NEGATIVE_NUMBER = /^-(\.\d+|\d+(\.\d*)?)([eE][-+]?\d+)?$|^-\.(inf|Inf|INF)$/;

/**
 * List items written with no space after the dash (`-q_proj` on each line, which YAML folds into the one string
 * "-q_proj -v_proj"): the advice that says so with the list to write, or '' where `text` is not such items.
 */
export function spaceAfterDash(text: string): string {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2 || !parts.every((p) => /^-[^\s-]/.test(p))) return '';
  // `-1 -2` (labels, betas on lines of their own) are negative numbers, whose list is [-1, -2], not [1, 2]
  if (parts.every((p) => NEGATIVE_NUMBER.test(p))) return '';
  const items = parts.map((p) => p.slice(1));
  return `YAML needs a space after a list item's dash: write - ${items[0]} on each line, or [${items.join(', ')}]`;
}
