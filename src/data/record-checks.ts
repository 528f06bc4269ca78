// The checks of one record that need no tokens and no other record: a text field that is a placeholder
// (placeholder.ts), the text of a special token, the length in characters, a label outside the given classes, and a
// lone surrogate in a chat's tool parts (calls, call ids, tools), which are kept as given rather than normalised.
// prepare runs them after a record is read and normalised, before deduplication.
import { charLength, loneSurrogate } from './clean.ts';
import { memberPath } from './ingest/duplicate-keys.ts';
import { namesOf, turnName, type FieldNames } from './field-names.ts';
import { hasHtml } from './html.ts';
import { commaSplitMessage, labelsIs, nearClassHint, type LabelSet } from './labels.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import { placeholderOf } from './placeholder.ts';
import { quotedClass } from './quoted-class.ts';
import { DEFAULT_FIELDS, textFields, type DataRecord, type FieldMap, type Reason } from './record.ts';
import { TEMPLATE_KWARGS_FIELD, kwargsToCheck } from './template-kwargs-field.ts';

export interface RecordLimits {
  minChars?: number;
  /** --max-chars, or its default (which always applies: it bounds the memory a record takes before it is tokenized). */
  maxChars: number;
  /** Whether the user gave --max-chars (else the message says the default can be raised). */
  maxCharsGiven: boolean;
  keepPlaceholders: boolean;
  /** How a rejection's detail names these options: prepare's caller's words (options.minChars; default the CLI's --min-chars). */
  words?: OptionWords;
}

/**
 * Why `rec` is rejected, or null; `specials`: the special tokens' texts; `labels`: the classes given, if any;
 * `templateTokens`: the special tokens the chat template is given by name (a chat's template variable may restate one);
 * `fieldMap`: the field map it was read with; a rejection names a field as the input does (field-names.ts).
 */
export function checkRecord(
  rec: DataRecord, limits: RecordLimits, specials: readonly string[], labels: LabelSet | null, templateTokens: Readonly<Record<string, string>> = {},
  fieldMap: FieldMap = DEFAULT_FIELDS,
): { reason: Reason; detail: string; commaSplit?: string } | null {
  const names = namesOf(rec, fieldMap), words = limits.words ?? FLAG_WORDS, fields = textFields(rec, names), say = words.say;
  const lone = loneSurrogateInToolParts(rec, names);
  if (lone !== null) return { reason: 'invalid_utf8', detail: lone };
  if (!limits.keepPlaceholders) {
    for (const { text, answer, name } of fields) {
      // "None", "N/A" can be an answer; as anything else, and "nan" anywhere, they stand for a missing value
      const p = placeholderOf(text);
      if (p && !(p.kind === 'word' && answer)) return { reason: 'placeholder', detail: `${name}: ${p.why}, not text (${say('keepPlaceholders')} keeps it)` };
    }
  }
  const texts = fields.map((f) => f.text);
  for (const { text, name, asGiven } of fields.filter((f) => !f.variables)) {
    for (const s of specials) {
      // Mistral's <s> and </s> are HTML's strikethrough tags too: in text that holds other HTML (<s>struck</s>, <p>…),
      // scraped markup rather than a sequence's start or end, which --strip-html removes (from text it normalises)
      const tag = !asGiven && hasHtml(s) && hasHtml(text.split(s).join('')) ? ` (an HTML tag there? ${say('stripHtml')} removes tags, this one with them)` : '';
      if (text.includes(s)) return { reason: 'special_token', detail: `${name} contains the special token ${JSON.stringify(s)}${tag}` };
    }
  }
  const kwargs = rec.shape === 'chat' && rec.chatTemplateKwargs !== undefined ? kwargsToCheck(rec.chatTemplateKwargs, `"${TEMPLATE_KWARGS_FIELD}"`, templateTokens) : [];
  for (const { variable, name, text, own } of kwargs) {
    const s = specials.find((t) => text.includes(t));
    if (s === undefined) continue;
    const why = own === undefined ? 'a template variable renders its value into the chat, a special token\'s text as that token'
      : `the tokenizer's ${variable} is ${JSON.stringify(own)}: a template variable renders its value into the chat, another token's text as that token`;
    return { reason: 'special_token', detail: `${name} contains the special token ${JSON.stringify(s)} (${why})` };
  }
  const { minChars, maxChars } = limits;
  const units = texts.reduce((a, t) => a + t.length, 0); // UTF-16 units: never fewer than characters
  if (rec.shape !== 'pretokenized' && (minChars !== undefined || units > maxChars)) {
    const chars = texts.reduce((a, t) => a + charLength(t), 0);
    if (minChars !== undefined && chars < minChars) return { reason: 'too_short', detail: `${chars} characters, fewer than ${say('minChars')} ${minChars}` };
    if (chars > maxChars) return { reason: 'too_long', detail: `${chars} characters, more than ${say('maxChars')} ${maxChars}${limits.maxCharsGiven ? '' : ` (the default; pass a larger ${say('maxChars')} to keep it)`}` };
  }
  if (labels && 'label' in rec && rec.label !== undefined && labels.indexOf(rec.label) === undefined) {
    // a class name with a comma that --labels A,B,… split into classes: every record of it would be rejected, the classes it
    // made kept; said for CommaSplitLabels to refuse where those classes have no record of their own
    const split = labels.codes ? null : commaSplitMessage(rec.label, labels.labels, words, 'a label of the data');
    return { reason: 'unknown_label', detail: `label ${quotedClass(rec.label)} is not one of ${labelsIs(words, labels.entries)}${nearClassHint(rec.label, labels.labels)}`, ...(split !== null ? { commaSplit: split } : {}) };
  }
  return null;
}

/**
 * Where a chat's tool parts hold a lone surrogate (JSON spells one, "\ud800"), said as a rejection's detail, or null. Its
 * text fields were checked as they were read (record-fields.ts); the calls, call ids and tools are kept as given, and
 * a lone surrogate there stopped the tokenizer ("untokenizable", at a character of the rendered chat).
 */
function loneSurrogateInToolParts(rec: DataRecord, names: FieldNames): string | null {
  if (rec.shape !== 'chat') return null;
  const parts: Array<[string, unknown]> = [];
  rec.messages.forEach((m, i) => {
    if (m.tool_calls !== undefined) parts.push([`${turnName(names, i).turn}.tool_calls`, m.tool_calls]);
    if (m.tool_call_id !== undefined) parts.push([`${turnName(names, i).turn}.tool_call_id`, m.tool_call_id]);
  });
  if (rec.tools !== undefined) parts.push(['"tools"', rec.tools]);
  if (rec.chatTemplateKwargs !== undefined) parts.push(['"chat_template_kwargs"', rec.chatTemplateKwargs]);
  for (const [path, value] of parts) {
    const found = loneSurrogateIn(value, path);
    if (found !== null) return found;
  }
  return null;
}

/** Where `value` (named `path`), or a key in it, holds a lone surrogate, said as a rejection's detail; null where none does. */
export function loneSurrogateIn(value: unknown, path: string): string | null {
  const said = (s: string, where: string): string | null => {
    const at = loneSurrogate(s);
    return at < 0 ? null : `${where} holds a lone surrogate \\u${s.charCodeAt(at).toString(16)} at character ${at + 1}: not Unicode text`;
  };
  if (typeof value === 'string') return said(value, path);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateIn(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, v] of Object.entries(value)) {
    const found = said(key, `a key of ${path}`) ?? loneSurrogateIn(v, memberPath(path, key));
    if (found !== null) return found;
  }
  return null;
}

/**
 * The first rejected label whose pieces --labels names as classes (checkRecord's commaSplit), refused once every record is
 * read unless one of those classes has records of its own: data of "a", "b" and "a, b" given --labels a,b keeps rejecting
 * "a, b" as unknown_label, as before; "café, au lait" split into classes no record has is an error at its first record.
 */
export class CommaSplitLabels {
  private first: { message: string; pieces: string[]; place: string } | null = null;
  note(bad: { commaSplit?: string }, label: unknown, place: () => string): void {
    if (bad.commaSplit !== undefined && this.first === null) this.first = { message: bad.commaSplit, pieces: String(label).split(',').map((p) => p.trim()), place: place() };
  }
  refuse(keptLabels: readonly unknown[]): void {
    const f = this.first;
    if (f !== null && !keptLabels.some((l) => f.pieces.includes(String(l)))) throw new UserError(f.message, f.place);
  }
}
