// A Markup's str methods as markupsafe 3 gives them (a Markup comes from | e, | safe, | forceescape): those that
// make a str make a Markup (upper, replace, strip, center, …; replace's new text and a padding's fill character
// escaped); split, rsplit, splitlines and partition make Markups; join escapes each item; format and format_map
// escape each field after formatting it (a Markup field as it is, which takes no format spec). The filters upper,
// lower, capitalize, trim and center call these on a Markup (jinja2's soft_str keeps it); the other methods give
// what a str's give, and Markup's own striptags() and unescape() give strs, escape(s) a Markup. A Markup's [i], slice
// and * n are Markups (jinja-python.ts).
import { callMethod } from './jinja-methods.ts';
import { strFormat } from './jinja-format.ts';
import { escapeMarkup, isMarkup, markupOf, markupText } from './jinja-filters-rare.ts';
import { stripTags } from './jinja-filters-html.ts';
import { unescapeHtml } from './html-unescape.ts';
import { V, isDict, isList, isStr, keyValue, pyType, type Key, type Value } from './jinja-values.ts';

/** Methods whose str results are Markups (markupsafe 3's Markup overrides them); replace escapes its `new`, the paddings their fill character. */
const KEEPING = new Set(['capitalize', 'title', 'lower', 'upper', 'replace', 'ljust', 'rjust', 'lstrip', 'rstrip', 'center', 'strip',
  'translate', 'expandtabs', 'swapcase', 'zfill', 'casefold', 'removeprefix', 'removesuffix', 'partition', 'rpartition']);
const ESCAPED_ARGUMENT: Record<string, number> = { replace: 1, ljust: 1, rjust: 1, center: 1 };
/** Methods whose items are Markups, their arguments as given. */
const SPLITTING = new Set(['split', 'rsplit', 'splitlines']);

const escapeArg = (v: Value): Value => (isStr(v) ? escapeMarkup(v) : v);
/** Each str of a method's result (a str, or a list's or tuple's items) a Markup. */
function markupResult(v: Value | undefined): Value | undefined {
  if (v === undefined) return v;
  if (isStr(v)) return markupOf(v.value);
  if (isList(v)) return (v.type === 'TupleValue' ? V.tuple : V.list)(v.value.map((x) => (isStr(x) ? markupOf(x.value) : x)));
  return v;
}

/** EscapeFormatter.format_field: a Markup as it is (no format spec), anything else formatted, then escaped. */
function escapeField(v: Value, spec: string, text: () => string): string {
  if (!isMarkup(v)) return markupText(V.str(text()));
  if (spec !== '') throw new Error('Unsupported format specification for Markup.');
  return v.value as string;
}

/** `markup.name(args)`, a Markup's method as markupsafe gives it; undefined where str has no such method. */
export function markupMethod(obj: Value, name: string, args: Value[], kwargs: Map<string, Value>): Value | undefined {
  const text = obj.value as string;
  if (name === 'format') return markupOf(strFormat(text, args, kwargs, escapeField));
  if (name === 'format_map' && args.length === 1 && kwargs.size === 0) {
    const mapping = args[0]!;
    if (!isDict(mapping)) throw new Error(`format_map: '${pyType(mapping)}' object is not subscriptable`);
    const named = new Map([...(mapping.value as Map<Key, Value>)].filter(([k]) => typeof k === 'string') as [string, Value][]);
    return markupOf(strFormat(text, [], named, escapeField));
  }
  if (name === 'join' && args.length === 1 && kwargs.size === 0) {
    // str.join of the items escaped (a str's characters, a dict's keys; an int or None escaped to its str, as markupsafe's escape)
    const seq = args[0]!;
    const items = isStr(seq) ? [...seq.value].map(V.str) : isList(seq) ? seq.value : isDict(seq) ? [...seq.value.keys()].map(keyValue) : null;
    return markupResult(callMethod(obj, 'join', [items === null ? seq : V.list(items.map(escapeMarkup))], kwargs));
  }
  if (args.length === 0 && kwargs.size === 0 && (name === 'striptags' || name === 'unescape')) return V.str(name === 'striptags' ? stripTags(text) : unescapeHtml(text));
  if (name === 'escape' && args.length === 1 && kwargs.size === 0) return escapeMarkup(args[0]!); // the classmethod Markup.escape
  if (KEEPING.has(name)) return markupResult(callMethod(obj, name, args.map((a, i) => (i === ESCAPED_ARGUMENT[name] ? escapeArg(a) : a)), kwargs));
  if (SPLITTING.has(name)) return markupResult(callMethod(obj, name, args, kwargs));
  return callMethod(obj, name, args, kwargs);
}

/** jinja2's filters that give a Markup for a Markup (soft_str keeps it): the method each calls. */
const FILTER_METHODS: Record<string, string> = { upper: 'upper', lower: 'lower', capitalize: 'capitalize', trim: 'strip', center: 'center' };
/** The filter `name` of a Markup through its method (center's width 80 when not given); undefined for the others. */
export function markupFilter(operand: Value, name: string, args: Value[], kwargs: Map<string, Value>): Value | undefined {
  if (!isMarkup(operand) || !Object.hasOwn(FILTER_METHODS, name) || kwargs.size > 0) return undefined;
  const given = name === 'center' && args.length === 0 ? [V.int(80)] : args;
  return markupMethod(operand, FILTER_METHODS[name]!, given, new Map());
}
