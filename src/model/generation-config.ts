// A model folder's generation_config.json, as far as generation reads it: its eos_token_id, the ids HF's generate()
// stops at (GenerationConfig, which takes config.json's when the file has none). A chat model may list its
// end-of-turn token there beside </s>, which config.json does not name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';

/** generation_config.json's eos_token_id in `dir` as a list (empty when the file or the key is absent). */
export function generationEosIds(dir: string): number[] {
  const file = path.join(dir, 'generation_config.json');
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return [];
  const config = readJsonFile(file);
  if (!isRecord(config)) throw new UserError('generation_config.json must be a JSON object', file);
  const eos = config.eos_token_id;
  if (eos === undefined || eos === null) return [];
  const ids = Array.isArray(eos) ? eos : [eos];
  if (!ids.every((id) => Number.isSafeInteger(id) && (id as number) >= 0)) {
    throw new UserError(`eos_token_id must be a token id or a list of them, got ${JSON.stringify(eos)}`, file);
  }
  return ids as number[];
}
