// tokenizeRecord's arguments checked for a caller in plain JavaScript (the library API), before a field is read.
import { needArg, needOneOf, type Want } from '../util/api-args.ts';
import type { DataRecord } from './record.ts';

/** The fields each shape needs, checked for a caller in plain JavaScript (where a record may lack its shape). */
const SHAPE_FIELDS: Record<DataRecord['shape'], Array<[string, Want]>> = {
  text: [['text', 'string']],
  prompt_completion: [['prompt', 'string'], ['completion', 'string']],
  chat: [['messages', 'array']],
  classification: [['text', 'string']],
  pretokenized: [['inputIds', 'array']],
};

export function checkRecordArgs(record: unknown, tok: unknown): void {
  const fn = 'tokenizeRecord';
  needArg(fn, 'record', record, 'object', { hint: "a record such as {shape: 'text', text: 'hi'}" });
  const r = record as Record<string, unknown>;
  const shapes = Object.keys(SHAPE_FIELDS) as Array<DataRecord['shape']>;
  needOneOf(fn, 'record.shape', r.shape, shapes, ` (e.g. {shape: "text", text: ${JSON.stringify(typeof r.text === 'string' ? r.text.slice(0, 20) : 'hi')}})`);
  for (const [key, want] of SHAPE_FIELDS[r.shape as DataRecord['shape']]) needArg(fn, `record.${key}`, r[key], want);
  if (tok !== null) needArg(fn, 'the tokenizer (second argument)', tok, 'object', { hint: 'loadTokenizer(folder), or null for pre-tokenized records' });
}
