// How a message names a class: one spelling for every class warning and rejection (label-warnings.ts, label-typos.ts,
// labels.ts's nearClassHint, record-checks.ts's unknown_label), so that two classes that look alike are told apart alike.
import { boundedQuotedText, SHOWN_JSON_CHARS, type Quote } from '../util/bounded-json.ts';

/**
 * A class name as a JSON string literal with white space other than the space spelled (`"very\\u00a0bad"`): a no-break
 * space or an ideographic one looks like a space, and classes that differ only by it were named alike.
 */
export const classQuote: Quote = (name) => JSON.stringify(name).replace(/(?! )\s/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A class as a message names it: an integer as it is, a name quoted (classQuote) and cut inside its quotes. */
export function quotedClass(l: number | string, max = SHOWN_JSON_CHARS): string {
  return typeof l === 'number' ? String(l) : boundedQuotedText(l, max, classQuote);
}
