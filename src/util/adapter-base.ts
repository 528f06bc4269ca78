// The base model a PEFT adapter folder names: adapter_config.json's base_model_name_or_path, which PEFT writes as the base
// was given to it (a folder's path, or a Hub id). The one reader of that key: the hints of errors that meet an adapter
// without its model (adapterBaseHint), the base an adapter given alone is applied to (model/adapter-base-folder.ts), and
// the check that an adapter is applied to the base it was trained on (train/model-fingerprint.ts). Only fs, path and the
// JSON reader: the flag checks that run before a command's modules load use it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRecord, readJsonFile } from './json-file.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';

/**
 * adapter_config.json's base_model_name_or_path in adapter folder `adapter`, as written (a path, a Hub id); null when
 * the file is absent, or the key is absent, null, not a string, or blank. A file that cannot be read or parsed is a
 * UserError naming it (readJsonFile).
 */
export function adapterBaseName(adapter: string): string | null {
  const file = path.join(adapter, 'adapter_config.json');
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return null;
  const cfg = readJsonFile(file, parseJsonAsPythonLoads); // as PEFT reads it (NaN, Infinity)
  const named = isRecord(cfg) ? cfg.base_model_name_or_path : null;
  return typeof named === 'string' && named.trim() !== '' ? named : null;
}

/** ` (its adapter_config.json names "BASE")` where the adapter names a base; '' otherwise, or where it cannot be read (a hint must not fail). */
export function adapterBaseHint(adapter: string): string {
  try {
    const named = adapterBaseName(adapter);
    return named === null ? '' : ` (its adapter_config.json names ${JSON.stringify(named)})`;
  } catch {
    return '';
  }
}
