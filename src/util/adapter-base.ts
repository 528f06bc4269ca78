// The base model a PEFT adapter folder names, for the hints of errors that meet an adapter where a model belongs (or
// without its model). Only node's fs and path: the flag checks that run before a command's modules load use it.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** ` (its adapter_config.json names "BASE")` when the adapter's base_model_name_or_path is a non-empty string; '' otherwise (a hint must not fail). */
export function adapterBase(dir: string): string {
  try {
    const base = (JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path?: unknown }).base_model_name_or_path;
    return typeof base === 'string' && base !== '' ? ` (its adapter_config.json names ${JSON.stringify(base)})` : '';
  } catch {
    return '';
  }
}
