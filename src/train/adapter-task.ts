// lora.init_from's adapter against the run's task, as PEFT 0.21 continues it: a SEQ_CLS adapter continues classification
// only; classification continues a SEQ_CLS adapter, or one without task_type over a model that has its own head (the
// head frozen), or one without task_type whose file holds a head that modules_to_save names (trained and saved), but
// not one whose config saves a head its file lacks; and the task_type the run's adapter is saved with.
import type { MistralConfig } from '../model/config.ts';
import { SCORE_SAVED_KEY } from '../model/names.ts';
import { absentScoreHead, readAdapterInfo, seqClsBy, type AdapterInfo, type TaskType } from '../model/peft.ts';
import { keyError } from './config-paths.ts';
import type { TrainConfig } from './config.ts';

/**
 * Refuses an adapter whose task the run cannot continue as PEFT would. `ownTask` is the adapter's task_type (SEQ_CLS where
 * it holds a score head; null for neither). Over a sequence classifier, PEFT 0.21 cannot load a CAUSAL_LM adapter
 * (AttributeError: prepare_inputs_for_generation). One without task_type PeftModel.from_pretrained(…, is_trainable=True)
 * trains with the model's head frozen, and its save_pretrained writes the LoRA factors alone (task_type null): that is
 * trained so (savedTaskType) over a model with a head; over one without (`modelHasHead` false) the head would be new,
 * random and never trained, and it is refused.
 */
export function refuseAdapterTask(ownTask: string | null, task: string, dir: string, modelHasHead: () => boolean, place?: (key: string) => string): void {
  if (ownTask === 'SEQ_CLS' && task !== 'classification') {
    // ownTask is SEQ_CLS for a score head without task_type too: said as it is
    const by = seqClsBy(dir) === 'score' ? `no task_type, but its adapter_model.safetensors holds a score head, ${SCORE_SAVED_KEY}` : 'task_type SEQ_CLS';
    throw keyError('lora.init_from', `${dir}: a classification adapter (${by}) cannot continue as ${task} (set task: classification)`, place);
  }
  if (ownTask === 'SEQ_CLS' || task !== 'classification') return;
  if (ownTask === null && modelHasHead()) return;
  const why = ownTask === null
    ? 'an adapter without task_type or score head (PEFT\'s plain PeftModel) continues a classification run with the model\'s own head frozen, ' +
      'and this model has none: its new head would be random, never trained, and not saved'
    : `a ${ownTask} adapter cannot continue as a classification run: PEFT cannot load it over a sequence classifier`;
  throw keyError('lora.init_from', `${dir}: ${why}; start a new adapter (leave lora.init_from out), ` +
    'or merge it into the model first (mistral-tune export --merge) and train over that', place);
}

/**
 * Refuses a classification run continuing an adapter without task_type whose file holds a score head that its
 * modules_to_save does not name: PEFT 0.21's PeftModel.from_pretrained(classifier, …, is_trainable=True) loads that head
 * into the model frozen, and save_pretrained writes the LoRA factors alone, so the head would be lost (we would train and
 * save it as SEQ_CLS). Named in modules_to_save, PEFT trains and saves it, as a SEQ_CLS run does.
 */
export function refuseUnsavedScore(info: Pick<AdapterInfo, 'hasScore' | 'savesScore'>, task: string, dir: string, place?: (key: string) => string): void {
  if (task !== 'classification' || !info.hasScore || info.savesScore) return;
  throw keyError('lora.init_from', `${dir}: its adapter_model.safetensors holds a score head (${SCORE_SAVED_KEY}), but adapter_config.json has no ` +
    'task_type and its modules_to_save does not name "score": PEFT loads that head frozen and saves the adapter without it; ' +
    'set "task_type": "SEQ_CLS" or "modules_to_save": ["score"] in that adapter_config.json to train and save the head', place);
}

/**
 * Refuses a classification run continuing an adapter whose config saves a score head its file lacks (absentScoreHead):
 * PEFT 0.21 cannot load it over the run's sequence classifier, and we trained it and saved it without the head its config
 * promised (modules_to_save null).
 */
export function refuseAbsentScore(info: Pick<AdapterInfo, 'typed' | 'ownTask' | 'hasScore' | 'savesScore'>, task: string, dir: string, place?: (key: string) => string): void {
  const why = task === 'classification' ? absentScoreHead(info, dir) : null;
  if (why !== null) throw keyError('lora.init_from', why, place);
}

/**
 * The task_type the run's adapter is saved with: CAUSAL_LM for generation, SEQ_CLS for classification (its trained head
 * saved with it), and null for a run continuing an adapter without task_type (`adapterTask`: lora.init_from's own task,
 * undefined for none), as PEFT's save_pretrained of its plain PeftModel writes it again; in classification that head is
 * the model's own, frozen and not saved.
 */
export function savedTaskType(task: TrainConfig['task'], adapterTask: TaskType | null | undefined): TaskType | null {
  if (adapterTask === null) return null;
  return task === 'classification' ? 'SEQ_CLS' : 'CAUSAL_LM';
}

/**
 * Whether a run's SEQ_CLS adapter is saved as PEFT 0.21 saves again the adapter without task_type it continued, whose
 * file holds a score head that modules_to_save names (refuseUnsavedScore): task_type null, modules_to_save ["score"]
 * (saveAdapter's `untyped`); we wrote task_type SEQ_CLS and ["classifier", "score"]. `adapter`: lora.init_from's.
 */
export function savedUntyped(task: TrainConfig['task'], adapter: Pick<AdapterInfo, 'ownTask' | 'typed'> | undefined): boolean {
  return task === 'classification' && adapter !== undefined && adapter.ownTask === 'SEQ_CLS' && !adapter.typed;
}

/** savedTaskType of `cfg`'s run on `model`, from lora.init_from's adapter_config.json and header (no weight read). */
export function runSavedTaskType(cfg: TrainConfig, model: MistralConfig): TaskType | null {
  const dir = cfg.method === 'lora' ? cfg.lora.init_from : null;
  return savedTaskType(cfg.task, dir ? readAdapterInfo(dir, model.numLayers, model).ownTask : undefined);
}

/** Whether the run trains a classification head: a classification run's, but for one continuing an adapter without task_type. */
export function trainsScoreHead(cfg: TrainConfig, model: MistralConfig): boolean {
  return cfg.task === 'classification' && runSavedTaskType(cfg, model) !== null;
}
