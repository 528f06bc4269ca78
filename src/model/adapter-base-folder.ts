// The base model an adapter given without a model is applied to, as HF's AutoPeftModelForCausalLM.from_pretrained finds
// it: the model folder its adapter_config.json's base_model_name_or_path names, as a path from the current folder. Used
// on the work's thread of export (--format gguf/gguf-lora) and by resolveEvalTarget (eval, generate and classify) for
// `--adapter DIR` alone; the flag checks let an adapter alone through without it (they load no model module).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { adapterBaseName } from '../util/adapter-base.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import type { OptionWords } from '../util/option-words.ts';
import { adapterConfigPath } from './adapter-config-path.ts';

/**
 * The model folder (one holding config.json) that adapter folder `adapter` names as its base. An adapter folder that is
 * missing, or holds no adapter_config.json (a run's folder given for its adapter), is refused as every command refuses
 * it (adapterConfigPath); one that names no base, or a base that is no model folder here (a Hub id, a folder not on this
 * machine), is refused in one line saying what it names and that the base is to be given (`w`: --model, options.model).
 */
export function adapterBaseFolder(adapter: string, w: OptionWords): string {
  adapterConfigPath(adapter);
  const named = adapterBaseName(adapter);
  if (named !== null && fs.statSync(path.join(named, 'config.json'), { throwIfNoEntry: false })?.isFile()) return named;
  const why = named === null ? 'its adapter_config.json names none'
    : `its adapter_config.json's base_model_name_or_path, ${JSON.stringify(named)}, is no model folder from here`;
  throw new UserError(`${w.say('adapter')} without ${w.say('model')}: give its base model folder as ${w.say('model')} (${why})`, adapter);
}

/** Says which base an adapter given alone is applied to (adapterBaseFolder's `base`), on stderr. */
export function sayAdapterBase(adapter: string, base: string): void {
  info(`base model: ${base} (${path.join(adapter, 'adapter_config.json')}'s base_model_name_or_path)`);
}
