// What prepare's report says of how records were read: the records each common layout gave (layouts.ts), the text
// records beside an instruction/answer pair, the records whose mojibake was undone (mojibake.ts), and the chats
// whose opening assistant turns or closing user turns were left out (chat-record.ts's detectChat), and the instruction
// pairs whose input stood for a missing one (layouts.ts: "nan", "<noinput>"), the records holding HTML (html.ts):
// stripped with --strip-html, else counted so that the report can say how to, and the records whose text fields held
// numbers or booleans, read as their JSON text (record-fields.ts textValue), and the pre-tokenized rows whose padding
// (attention_mask 0) was left out (pretokenized.ts), and the records with a key that names a field read but for case or
// spaces ("Text" beside "text") holding something else: that key is not read, and nothing else would say so; and the
// chats whose own system turn won over a system prompt field of other words beside them (record.ts withSystem).
import { LAYOUT_NAMES, type Layout } from './layouts.ts';
import type { DetectResult } from './detect-result.ts';
import type { Stringified } from './record-fields.ts';
import type { FieldMap } from './record.ts';
import { optionIs, type OptionWords } from '../util/option-words.ts';
import { boundedItemsText, boundedText } from '../util/bounded-json.ts';

/** The fields whose key in another case or spacing beside them is said in a warning (countShadowed). */
const SHADOWABLE = ['text', 'prompt', 'completion', 'messages', 'label'] as const;

export class ReadTally {
  private readonly byLayout = new Map<Layout, number>();
  private textBesidePair = 0;
  private mojibake = 0;
  private readonly noInput = new Map<string, number>(); // per key and text ("input" "nan"), the pairs read without it
  private readonly html = { seen: 0, stripped: 0 };
  private leading = { chats: 0, turns: 0 };
  private readonly stringified = new Map<string, { records: number; example: Stringified }>(); // per field key
  private trailing = { chats: 0, turns: 0 };
  private readonly systemLeftOut = new Map<string, number>(); // per key of the system prompt field, the chats whose own system turn won
  private padded = { records: 0, tokens: 0 };
  private readonly shadowed = new Map<string, { role: string; key: string; field: string; records: number; first: string }>(); // per key and field

  count(det: Omit<Extract<DetectResult, { record: unknown }>, 'record'>): void {
    if (det.systemLeftOut !== undefined) this.systemLeftOut.set(det.systemLeftOut, (this.systemLeftOut.get(det.systemLeftOut) ?? 0) + 1);
    if (det.padding) {
      this.padded.records++;
      this.padded.tokens += det.padding;
    }
    if (det.layout) this.byLayout.set(det.layout, (this.byLayout.get(det.layout) ?? 0) + 1);
    if (det.stringified) {
      const key = det.stringified.key;
      this.stringified.set(key, { records: (this.stringified.get(key)?.records ?? 0) + 1, example: this.stringified.get(key)?.example ?? det.stringified });
    }
    if (det.noInput) {
      const k = `"${det.noInput.key}" ${JSON.stringify(det.noInput.text)}`;
      this.noInput.set(k, (this.noInput.get(k) ?? 0) + 1);
    }
    if (det.mojibake) this.mojibake++;
    if (det.textBesidePair) this.textBesidePair++;
    if (det.leadingTurns) {
      this.leading.chats++;
      this.leading.turns += det.leadingTurns;
    }
    if (det.trailingTurns) {
      this.trailing.chats++;
      this.trailing.turns += det.trailingTurns;
    }
  }

  /**
   * Counts the keys of `value` (a record as read, at `where`) that name a field it was read from (`fields`' key of a
   * SHADOWABLE role, when the record has it) but for case or spaces, holding another value: "Text" beside "text", as
   * two columns of a CSV or two keys of JSON.
   */
  countShadowed(value: unknown, fields: FieldMap, where: string): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const v = value as Record<string, unknown>;
    const keys = Object.keys(v);
    if (keys.length < 2) return;
    const read = new Map<string, (typeof SHADOWABLE)[number]>(); // a field's name lower-cased, trimmed → its role
    for (const role of SHADOWABLE) if (Object.hasOwn(v, fields[role])) read.set(fields[role].trim().toLowerCase(), role);
    for (const k of keys) { // one pass: a CSV row may have thousands of columns
      const role = read.get(k.trim().toLowerCase());
      if (role === undefined) continue;
      const f = fields[role];
      if (k === f || JSON.stringify(v[k]) === JSON.stringify(v[f])) continue;
      const id = JSON.stringify([k, f]);
      const t = this.shadowed.get(id);
      if (t) t.records++;
      else this.shadowed.set(id, { role, key: k, field: f, records: 1, first: where });
    }
  }

  /** A record whose text fields hold HTML: `stripped` when --strip-html removed it, else a kept record that holds it as written. */
  countHtml(stripped: boolean): void {
    if (stripped) this.html.stripped++;
    else this.html.seen++;
  }

  /** The report's lines; `textKey`: the text field's name in the input; `words`: how they name prepare's options. */
  warnings(textKey: string, words: OptionWords): string[] {
    const lines = [...this.byLayout].map(([layout, n]) => `${n} record${n === 1 ? '' : 's'} read as ${LAYOUT_NAMES[layout]}`);
    const n = this.textBesidePair;
    if (n > 0) {
      lines.push(`${n} record${n === 1 ? ' has' : 's have'} a "${textKey}" field beside an instruction/answer pair (Alpaca's formatted text column): ` +
        `read as text, trained whole with its prompt, as TRL does; ${optionIs(words, 'fields', 'none', 'text')} reads them as chats instead, rendered by the chat template with the loss on the answers`);
    }
    if (this.mojibake > 0) {
      const m = this.mojibake;
      lines.push(`${m} record${m === 1 ? ' had' : 's had'} mojibake undone: UTF-8 text once read as Windows-1252 ("cafÃ©" → "café", "donâ€™t" → "don’t")`);
    }
    const { seen, stripped } = this.html;
    if (seen > 0) {
      lines.push(`${seen === 1 ? '1 record holds' : `${seen} records hold`} HTML (tags such as <p> or <br>, character references such as &amp;): ` +
        `kept as written; ${words.say('stripHtml')} removes the tags and decodes the references`);
    }
    if (stripped > 0) lines.push(`${stripped === 1 ? '1 record had its' : `${stripped} records had their`} HTML removed (${words.say('stripHtml')})`);
    if (this.noInput.size > 0) {
      const total = [...this.noInput.values()].reduce((a, b) => a + b, 0);
      const which = boundedItemsText([...this.noInput].sort((a, b) => b[1] - a[1]), { shown: 3, say: ([k]) => k, after: ([, n]) => ` ${n}` });
      lines.push(`${total} instruction pair${total === 1 ? '' : 's'} had an input or instruction that stands for none (${which}): ` +
        'left out, the user turn being the other alone');
    }
    if (this.stringified.size > 0) {
      const total = [...this.stringified.values()].reduce((a, b) => a + b.records, 0);
      const which = boundedItemsText([...this.stringified].sort((a, b) => b[1].records - a[1].records),
        { shown: 3, say: ([k]) => k, quote: true, after: ([, { records, example }]) => ` ${records}, e.g. ${boundedText(example.text)}`, separator: '; ' });
      lines.push(`${total} record${total === 1 ? '' : 's'} held a number or boolean where text is expected (${which}): ` +
        'read as its JSON text ("42", "true"), as a CSV cell holding it is; an object or array there is rejected (unknown_shape)');
    }
    const { records: padded, tokens: pads } = this.padded;
    if (padded > 0) {
      lines.push(`${padded} pre-tokenized record${padded === 1 ? '' : 's'} had padding (attention_mask 0) on ${pads} token${pads === 1 ? '' : 's'}: ` +
        'those tokens were left out, as the model never attends to them');
    }
    for (const { role, key, field, records, first } of this.shadowed.values()) {
      lines.push(`${records} record${records === 1 ? ' has' : 's have'} "${key}" beside "${field}" (the same name but for case or spaces) holding something else (${records === 1 ? '' : 'first '}${first}): ` +
        `only "${field}" is read; rename or drop one (${optionIs(words, 'fields', key, role, JSON.stringify(key))} reads the other)`);
    }
    const chats = (n: number): string => `${n} chat${n === 1 ? '' : 's'}`;
    if (this.leading.chats > 0) {
      const n = this.leading.turns;
      const what = n === 1 ? 'that turn was left out' : `those ${n} turns were left out`;
      lines.push(`${chats(this.leading.chats)} opened with an assistant turn before any user turn: ${what}, as FastChat does (a chat template expects the user first)`);
    }
    if (this.trailing.chats > 0) {
      const n = this.trailing.turns;
      const what = n === 1 ? 'that user turn was left out (nothing after it is trained)' : `those ${n} user turns were left out (nothing after them is trained)`;
      lines.push(`${chats(this.trailing.chats)} went on after the last assistant turn: ${what}`);
    }
    if (this.systemLeftOut.size > 0) {
      const n = [...this.systemLeftOut.values()].reduce((a, b) => a + b, 0);
      const keys = [...this.systemLeftOut].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, c]) => `"${k}" ${c}`).join(', ');
      lines.push(`${n === 1 ? '1 chat has' : `${chats(n)} have`} a system prompt field (${keys}) beside a system turn of ${n === 1 ? 'its' : 'their'} own, of other words: ` +
        'the turn was read and the field left out, as LLaMA-Factory reads them; remove one, or make them agree');
    }
    return lines;
  }
}
