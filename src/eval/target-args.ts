// Which weights an evaluation's options name, checked before any model file is read: a run, or a model folder (+ adapter),
// or an adapter alone over the base its adapter_config.json names; not a run and a model. resolveEvalTarget's first
// check; the CLI's eval, generate and classify make it before they load the library.
import { UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';

/** Refuses a run given with a model or adapter, --best without a run, and neither a run nor a model nor an adapter. */
export function requireOneTarget(o: { model?: string; adapter?: string; run?: string; best?: boolean }, w: OptionWords): void {
  if (o.run) {
    // in the caller's words (was "a run or a model/adapter" alone: which flags, not said)
    if (o.model || o.adapter) throw new UserError(`give either a run (${w.say('run')}) or a model folder (${w.say('model')}, with ${w.say('adapter')}), not both: a run names its own model and adapter`, w.where);
    return;
  }
  if (o.best) throw new UserError(`${w.say('best')} needs ${w.say('run')}${w.cli ? ' RUN_DIR' : ''}: it picks the best/ weights of that training run`, w.where);
  // an adapter alone stands for the base its adapter_config.json names (PEFT's base_model_name_or_path), as AutoPeftModel
  // loads it: read by resolveEvalTarget (adapterBaseFolder), not here, where the CLI checks its flags without the model's modules
  if (!o.model && o.adapter) return;
  if (!o.model) throw new UserError(`a model folder (${w.say('model')}), a run (${w.say('run')}) or an adapter folder whose adapter_config.json names its base (${w.say('adapter')}) is required`, w.where);
}
