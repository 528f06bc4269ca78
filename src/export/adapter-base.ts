// The base model an HF PEFT adapter names: adapter_config.json's base_model_name_or_path, which PEFT writes as the base
// was given to it (a folder's path, or a Hub id) and AutoPeftModelForCausalLM.from_pretrained loads the base from, as a
// path from the current folder. `export --adapter DIR` without --model takes it where it is such a model folder here.
// Light (fs, JSON and the adapter folder's checks): the CLI checks its flags with it before it loads the exporter.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { adapterConfigPath } from '../model/adapter-config-path.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';

/**
 * The model folder (one holding config.json) that adapter folder `adapter`'s adapter_config.json names as its
 * base_model_name_or_path, as a path from the current folder; `named` without `folder` where it names none here (a Hub
 * id, a folder not on this machine), both null where the adapter names none. An adapter folder that is missing, or
 * holds no adapter_config.json (a run's folder given for its adapter), or one that is no JSON, is refused as every
 * command refuses it (adapterConfigPath), not as a base to give.
 */
export function adapterBase(adapter: string): { named: string | null; folder: string | null } {
  const cfg = readJsonFile(adapterConfigPath(adapter));
  const named = isRecord(cfg) && typeof cfg.base_model_name_or_path === 'string' && cfg.base_model_name_or_path !== '' ? cfg.base_model_name_or_path : null;
  const folder = named !== null && fs.statSync(path.join(named, 'config.json'), { throwIfNoEntry: false })?.isFile() ? named : null;
  return { named, folder };
}
