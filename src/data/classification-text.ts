// A classification record's pieces beside its tokens (tokenize.ts): its class index, and its row cut to max_seq_len
// around its text, as transformers' tokenizer(text, truncation=True) cuts it.
import { boundedItemsText, boundedJsonText } from '../util/bounded-json.ts';
import { UserError } from '../util/errors.ts';
import { nearClassHint, type LabelSet } from './labels.ts';
import { classQuote, quotedClass } from './quoted-class.ts';

/** Where a classification row's text lies: between `before` special ids and `after` ones; truncation keeps its end (keepEnd, truncation_side "left") or its start. */
export interface TextAround { before: number; after: number; keepEnd: boolean }

/**
 * A classification row cut to `max` ids: the special ids before and after its text kept, the text cut to the rest (at
 * least one id: checkTextRoom), its end kept or its start, as transformers' tokenizer(text, truncation=True).
 */
export function cutText(ids: readonly number[], around: TextAround, max: number): number[] {
  const { before, after, keepEnd } = around;
  const text = ids.slice(before, ids.length - after), room = max - before - after;
  return [...ids.slice(0, before), ...(keepEnd ? text.slice(text.length - room) : text.slice(0, room)), ...ids.slice(ids.length - after)];
}

/**
 * A maxSeqLen that cannot hold a classification row's special ids and one token of text (rows of [EOS] alone) is
 * refused, named as its caller's user gave it (`name`: TokenizeOptions.maxSeqLenName), with how they raise it where the
 * name does not say (`fix`: TokenizeOptions.maxSeqLenFix).
 */
export function checkTextRoom(max: number, leading: readonly number[], trailing: readonly number[], name = 'options.maxSeqLen', fix?: string): void {
  const least = leading.length + trailing.length + 1;
  if (max >= least) return;
  const ids = (a: readonly number[]): string => (a.length ? `[${a.join(', ')}]` : 'none');
  throw new UserError(`${name} ${max} leaves no room for the text of a classification row: it keeps the ids ` +
    `${ids(leading)} before the text and ${ids(trailing)} after it; give at least ${least}${fix === undefined ? '' : ` (${fix})`}`);
}

export function classIndex(label: number | string, { labels, unknownLabelFix }: { labels?: LabelSet; unknownLabelFix?: string }): number {
  if (labels) {
    const i = labels.classIndex(label);
    if (i !== undefined) return i;
    const fix = unknownLabelFix ? ` (${unknownLabelFix})` : '';
    throw new UserError(`label ${quotedClass(label)} is not one of the classes [${boundedItemsText(labels.labels, { shown: 20, quote: classQuote, total: true })}]${nearClassHint(label, labels.labels)}${fix}`);
  }
  if (typeof label === 'number' && label >= 0) return label;
  throw new UserError(`label ${boundedJsonText(label)} needs a class list to map it to an index`);
}
