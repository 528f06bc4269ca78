// What prepare says in words: why the train split is empty, why nothing was kept, what to do with a file in another
// encoding; a raw record clipped for rejected.jsonl, a label as a detail quotes it; and the special tokens' texts that
// no text field may hold.
import * as path from 'node:path';
import type { Tokenizer } from '../tokenizer/types.ts';
import { aOption, optionIs, type OptionWords } from '../util/option-words.ts';
import { quotedClass } from './quoted-class.ts';
import type { PrepareReport } from './report.ts';
import type { SourceRole } from './sources.ts';
import { specialTokenIds } from './tokenize.ts';
import { specialTokenText } from './special-text.ts';
import { shellPath } from '../util/shell-quote.ts';

/** How much of a raw record rejected.jsonl keeps. */
const RAW_LIMIT = 4096;

/**
 * Why the train split is empty though train has a share (the split gives every stratum of input records a training
 * record): no --input record was kept, or those kept repeat --val/--test records and went with them (--dedup none);
 * the options named in the caller's `words`.
 */
export function noInputToTrain(sources: readonly { role: SourceRole }[], perSource: readonly { records: number; kept: number }[], words: OptionWords): string {
  const input = words.say('inputs'), files = `${words.say('val')}/${words.say('test')}`, aFile = `${aOption(words, 'val')}/${words.say('test')}`;
  let read = 0, kept = 0;
  sources.forEach((src, k) => {
    if (src.role !== 'input') return;
    read += perSource[k]!.records;
    kept += perSource[k]!.kept;
  });
  if (read === 0) return `the ${input} files hold no records`;
  if (kept === 0) return `${read === 1 ? `the 1 ${input} record was` : `all ${read} ${input} records were`} rejected (see rejected.jsonl): every kept record is from ${files}`;
  return `the ${kept === 1 ? `1 kept ${input} record repeats ${aFile} record` : `${kept} kept ${input} records repeat ${files} records`} and went with ${kept === 1 ? 'it' : 'them'} (${optionIs(words, 'dedup', 'none')} keeps copies together)`;
}

/** The warning for `n` --test records that repeat --val records, kept in both splits by --dedup none. */
export function testRepeatsVal(n: number, words: OptionWords): string {
  const test = words.say('test'), val = words.say('val');
  return `${n === 1 ? `1 ${test} record repeats ${aOption(words, 'val')} record` : `${n} ${test} records repeat ${val} records`} (${optionIs(words, 'dedup', 'none')} keeps every copy in its file's split): ` +
    `val and test share ${n === 1 ? 'it' : 'them'}, so test does not measure what val did not see; ${optionIs(words, 'dedup', 'exact')} rejects the ${test} copies`;
}

/** Why nothing was kept, in one line: the rejection reasons, most frequent first, and the first record rejected (`first`). */
export function nothingKept(r: PrepareReport, first: string | null): string {
  if (r.input_records === 0) return 'the inputs hold no records';
  const reasons = (Object.entries(r.by_reason) as Array<[string, number]>).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (r.input_records === 1 && first !== null) return `the one record was rejected: ${first}`;
  return `${r.input_records === 1 ? 'the one record was' : `all ${r.input_records} records were`} rejected (${reasons.map(([k, n]) => `${k} ${n}`).join(', ')})` +
    (first === null ? '' : `; the first: ${first}`);
}

/**
 * What to do when `name`'s records are not UTF-8 text (`what` names the file in the sentence): it may be in another
 * encoding, and how to convert it: from Windows-1252 where they read as no encoding of Chinese, Japanese or Korean text
 * (`readsAs` null: Latin text), else from the one they all read as, or any of those where several, or from one to find
 * where they read as different ones (`readsAs` empty); but when some of its other records are UTF-8 text beyond ASCII
 * (`mixed`), converting the whole file would garble them ("café" becomes "cafÃ©"): only the lines rejected are to be mended.
 */
export function encodingHint(name: string, mixed: boolean, what = name, readsAs: readonly string[] | null = null): string {
  if (mixed) return `${what} mixes encodings (some of its other records are UTF-8 text beyond ASCII); mend the lines rejected.jsonl names (iconv on the whole file would garble the others)`;
  const iconv = (from: string) => `convert it and rerun: iconv -f ${from} -t UTF-8 ${shellPath(name)} > converted${path.extname(name)}`;
  if (readsAs === null) return `if ${what} is in another encoding (Windows-1252, Latin-1), ${iconv('WINDOWS-1252')}`;
  if (readsAs.length === 0) return `${what} is not UTF-8 text, and its records read as no one encoding: find its encoding (file -i ${shellPath(name)}), then ${iconv('ENCODING')}`;
  if (readsAs.length > 1) return `${what} reads as Chinese, Japanese or Korean text in any of ${readsAs.join(', ')} (not Windows-1252): find which (file -i ${shellPath(name)}), then ${iconv('ENCODING')}`;
  const [enc] = readsAs;
  return `${what} looks like ${enc} text ${enc!.startsWith('UTF-16') ? 'without a byte-order mark' : '(Chinese, Japanese or Korean; not Windows-1252)'}: ${iconv(enc!)}`;
}

/**
 * What the records of a file that are not UTF-8 read as together (encodingHint's `readsAs`), given what those before
 * read as (`sofar`; undefined: none before) and the encodings the next one reads as (Rejection.readsAs): null while
 * none reads as any, else the encodings all of them read as (none where one reads as none).
 */
export function readTogether(sofar: readonly string[] | null | undefined, next: readonly string[] | undefined): readonly string[] | null {
  const these = next !== undefined && next.length > 0 ? next : null;
  if (sofar === undefined) return these;
  if (sofar === null || these === null) return sofar === these ? null : [];
  return sofar.filter((e) => these.includes(e));
}

/** `raw` cut to `limit` UTF-16 units (never between the two of a surrogate pair), saying how much was cut. */
export function clip(raw: string, limit = RAW_LIMIT): string {
  if (raw.length <= limit) return raw;
  const last = raw.charCodeAt(limit - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? limit - 1 : limit; // not between an emoji's two halves
  return raw.slice(0, cut) + `…[${raw.length - cut} more characters]`;
}

/** A label key (labels.ts's labelKey) as a detail quotes it: 1, "pos" (quotedClass: cut, as every class message names a class), or nothing. */
export function describeLabel(k: string | null): string {
  return k === null ? 'nothing' : k.startsWith('#') ? k.slice(1) : quotedClass(k.slice(1));
}

/** The literal texts of all the tokenizer's special tokens (<s>, </s>, <unk>, …), which no text field may contain. */
export function specialTexts(tok: Tokenizer): string[] {
  const out: string[] = [];
  for (const id of [...specialTokenIds(tok)].sort((a, b) => a - b)) {
    const s = specialTokenText(tok, id);
    if (s.trim() !== '') out.push(s);
  }
  return out;
}
