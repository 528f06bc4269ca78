// lora.init_from's adapter against the run's task: a SEQ_CLS adapter continues classification only, and classification
// continues a SEQ_CLS adapter only, as PEFT 0.21 would.
import { keyError } from './config-paths.ts';

/**
 * Refuses an adapter whose task the run cannot continue as PEFT would. `ownTask` is the adapter's task_type (SEQ_CLS where
 * it holds a score head; null for neither). Over a sequence classifier, PEFT 0.21 cannot load a CAUSAL_LM adapter
 * (AttributeError: prepare_inputs_for_generation), and PeftModel.from_pretrained(…, is_trainable=True) of one without
 * task_type keeps the head frozen and its save_pretrained writes the LoRA factors alone (task_type null): over a model
 * without a head (`modelHasHead` false) the new head is lost. Both are refused rather than trained as a SEQ_CLS adapter
 * that PEFT would not make of them.
 */
export function refuseAdapterTask(ownTask: string | null, task: string, dir: string, modelHasHead: () => boolean, place?: (key: string) => string): void {
  if (ownTask === 'SEQ_CLS' && task !== 'classification') {
    throw keyError('lora.init_from', `${dir}: a classification adapter (task_type SEQ_CLS) cannot continue as ${task} (set task: classification)`, place);
  }
  if (ownTask === 'SEQ_CLS' || task !== 'classification') return;
  const why = ownTask === null
    ? `an adapter without task_type or score head (PEFT's plain PeftModel) cannot continue as a classification run: PEFT continues it with ` +
      `the classification head frozen and saves its LoRA factors alone${modelHasHead() ? '' : ', so the new head this model takes (it has none) would be lost'}`
    : `a ${ownTask} adapter cannot continue as a classification run: PEFT cannot load it over a sequence classifier`;
  throw keyError('lora.init_from', `${dir}: ${why}; start a new adapter (leave lora.init_from out), ` +
    'or merge it into the model first (mistral-tune export --merge) and train over that', place);
}
