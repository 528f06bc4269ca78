// A config holds plain YAML: null, booleans, numbers, strings, lists, and mappings keyed by plain words. The YAML
// library also makes JavaScript objects a schema cannot read as written: !!omap gives a Map and !!set a Set (both
// read as an empty mapping: `lora: !!omap [r: 4]` would train with the default r, silently), !!binary a Buffer
// (its hundred methods each reported as an unknown key), a date (2001-12-14 under %YAML 1.1, or !!timestamp) a Date,
// and a key that is a list or mapping the string "[ a, b ]" with a warning printed over two lines.
import YAML from 'yaml';

/** The first node of `doc` that is not plain YAML: its offset in the text and what it is, or null. */
export function firstNonPlain(doc: YAML.Document): { offset: number; what: string } | null {
  let found: { offset: number; what: string } | null = null;
  const stop = (node: YAML.Node | null | undefined, what: string): symbol => {
    found = { offset: node?.range?.[0] ?? 0, what };
    return YAML.visit.BREAK;
  };
  YAML.visit(doc, {
    Pair: (_, pair) => (YAML.isCollection(pair.key) ? stop(pair.key, 'a key that is a list or mapping: keys are plain words') : undefined),
    Scalar: (_, node) => {
      const v: unknown = node.value;
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return undefined;
      return stop(node, v instanceof Date ? 'a date (YAML reads 2001-12-14 as one): quote it to give a string' : `a ${short(node.tag)} value, which no config key takes`);
    },
    Map: (_, node) => (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:map' ? stop(node, `a ${short(node.tag)} mapping: write a plain one ({key: value})`) : undefined),
    Seq: (_, node) => (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:seq' ? stop(node, `a ${short(node.tag)} list: write a plain mapping or list`) : undefined),
  });
  return found;
}

/** `tag:yaml.org,2002:omap` as it is written, `!!omap`. */
function short(tag: string | undefined): string {
  return tag === undefined ? 'typed' : tag.replace(/^tag:yaml\.org,2002:/, '!!');
}
