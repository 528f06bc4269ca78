// A record's text fields and HTML (html.ts): whether any holds some, and the record without it (--strip-html), each
// field normalised again as it was read (a prompt keeps its trailing separator, a completion its leading one). A
// field that holds nothing once its HTML is gone rejects the record as empty, naming it.
import { FLAG_WORDS, type OptionWords } from '../util/option-words.ts';
import { normalizeText } from './clean.ts';
import { nameTurns, namesOf, turnName } from './field-names.ts';
import { hasHtml, stripHtml } from './html.ts';
import { DEFAULT_FIELDS, textFields, type DataRecord, type FieldMap, type Rejection } from './record.ts';

/** Whether a text field of `rec` holds HTML tags or character references (a field kept as given, a tool call's, aside). */
export function recordHasHtml(rec: DataRecord): boolean {
  return textFields(rec).some((f) => !f.asGiven && hasHtml(f.text));
}

/** `rec` with the HTML of its text fields removed, or the rejection of a field left empty, named as the input names it (read with `f`; `words` name the option that asked for it). */
export function stripRecordHtml(rec: DataRecord, words: OptionWords = FLAG_WORDS, f: FieldMap = DEFAULT_FIELDS): DataRecord | Rejection {
  const names = namesOf(rec, f);
  const strip = (text: string, field: string, trim: 'both' | 'start' | 'end' = 'both'): string | Rejection => {
    let t = normalizeText(stripHtml(text), trim);
    // a block's end tag at either end of the field (</p>) leaves a line break where the field had no space: not kept
    if (!/\s$/.test(text)) t = t.trimEnd();
    if (!/^\s/.test(text)) t = t.trimStart();
    return t === '' ? { reason: 'empty', detail: `${field} holds nothing once its HTML is removed (${words.say('stripHtml')})` } : t;
  };
  switch (rec.shape) {
    case 'text':
    case 'classification': {
      const text = strip(rec.text, `"${f.text}"`);
      return typeof text === 'string' ? { ...rec, text } : text;
    }
    case 'prompt_completion': {
      const prompt = strip(rec.prompt, `"${f.prompt}"`, 'start'), completion = strip(rec.completion, `"${f.completion}"`, 'end');
      if (typeof prompt !== 'string') return prompt;
      return typeof completion === 'string' ? { ...rec, prompt, completion } : completion;
    }
    case 'chat': {
      const messages = [];
      for (const [i, m] of rec.messages.entries()) {
        // a tool call's empty content stays so
        const content = m.content === '' && m.tool_calls !== undefined ? '' : strip(m.content, turnName(names, i).content);
        if (typeof content !== 'string') return content;
        messages.push({ ...m, content });
      }
      if (names.turns !== undefined) nameTurns(messages, [...names.turns]);
      return { ...rec, messages };
    }
    case 'pretokenized': return rec;
  }
}
