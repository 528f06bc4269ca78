// What a resume refuses of the inputs its checkpoint recorded (data-fingerprint.ts, model-fingerprint.ts): data.train
// whose tokens differ (the run's place in it, epoch and micro-batch, would point into other data), and under a LoRA
// adapter other base weights in the model folder. The trainer refuses them before it restores the checkpoint;
// `train --resume --dry-run` foretells them from the newest whole checkpoint's record, in the same words.
import * as fs from 'node:fs';
import { RUN_LAYOUT } from '../run/layout.ts';
import { UserError } from '../util/errors.ts';
import { listCheckpoints, readWholeCheckpoint, stepOf } from './checkpoint.ts';
import { modelFolder, type TrainConfig } from './config.ts';
import { readYamlMapping } from './config-yaml.ts';
import { changedData, isDataFingerprints, type DataFingerprints } from './data-fingerprint.ts';
import { restartRefusal } from './restart-check.ts';
import { configRecord, type RunDir } from './run-dir.ts';

/**
 * A checkpoint records each split's tokens (data-fingerprint.ts), not its file's bytes: an unchanged file tokenized by an
 * edited tokenizer.json, tokenizer_config.json or chat template of the model folder differs as much, and the error that
 * said only "data.train changed … put the data back" sent one to a file that had not changed.
 */
export const AS_TOKENIZED = ' (its tokens: the file changed, or the model folder\'s tokenizer or chat template that tokenizes it)';

/** The inputs a checkpoint recorded (its trainer_state.json's extra; either absent in older checkpoints). */
export interface RecordedInputs {
  data?: DataFingerprints;
  model?: string;
}

/** The inputs of the run now, each worked out only when needed (the data's fingerprints hash every token). */
export interface InputsNow {
  data: () => DataFingerprints;
  /** The model folder's weights' fingerprint; undefined for random weights. */
  model: () => string | undefined;
}

/**
 * The refusal of a resume from the checkpoint of `step` that recorded `recorded`, when the inputs now are others: its
 * data.train, or (LoRA: a full fine-tuning checkpoint holds every weight itself) the model's weights; null when they
 * are the same, or not recorded. `trainAgain` ends it: the way to start the run over, in its caller's words.
 */
export function otherInputsRefusal(cfg: TrainConfig, step: number, recorded: RecordedInputs, now: InputsNow, trainAgain: string): UserError | null {
  const train = recorded.data ? changedData(recorded.data, now.data()).find((c) => c.split === 'train') : undefined;
  if (train) {
    return new UserError(`cannot resume: data.train changed since the checkpoint of step ${step} was written (${train.what})${AS_TOKENIZED}: ` +
      `the run's place in it (epoch, micro-batch) would point into other data; put the data and the tokenizer back, or ${trainAgain}`, cfg.data.train);
  }
  const model = recorded.model === undefined ? undefined : now.model();
  if (cfg.method === 'lora' && model !== undefined && recorded.model !== model) {
    return new UserError(`cannot resume: the model's weights changed since the checkpoint of step ${step} was written (same folder, other tensors): ` +
      `the adapter so far was trained over other base weights; put that model back, or ${trainAgain}`, modelFolder(cfg) ?? undefined);
  }
  return null;
}

/** What is wrong with a checkpoint's extra (the trainer's ReportState: a damaged trainer_state.json), or null: the resume skips such a checkpoint. */
export function reportStateProblem(extra: Record<string, unknown>): string | null {
  if (!Array.isArray(extra.evalRows) || !Array.isArray(extra.samples)) return 'extra is not {evalRows, samples}';
  if (extra.data !== undefined && !isDataFingerprints(extra.data)) return 'extra.data is not the data fingerprints';
  if (extra.model !== undefined && typeof extra.model !== 'string') return 'extra.model is not a model fingerprint';
  if (extra.ranOn !== undefined && typeof extra.ranOn !== 'string') return 'extra.ranOn is not a string';
  return extra.config === undefined || (typeof extra.config === 'object' && extra.config !== null) ? null : 'extra.config is not an object';
}

/**
 * What a resume of `run` with `cfg` would refuse of its inputs now, judged as the resume judges them, before it loads a
 * tensor: from its newest checkpoint that passes its checks (otherInputsRefusal), else from what the run recorded when
 * it started (restartRefusal: it would start again from step 0); null when it would go on. Reads only: nothing in the
 * run is repaired or changed. `where`: the place a refusal of a config key names (its line in the config file given).
 */
export function foretoldResumeRefusal(cfg: TrainConfig, run: RunDir, now: InputsNow, trainAgain: string, where: (key: string) => string): UserError | null {
  for (const dir of listCheckpoints(run.dir).reverse()) {
    let extra: Record<string, unknown>;
    try {
      extra = readWholeCheckpoint(dir, reportStateProblem).extra as Record<string, unknown>;
    } catch {
      continue; // the resume skips it for the one before it (with its warning)
    }
    return otherInputsRefusal(cfg, stepOf(dir), extra as RecordedInputs, now, trainAgain); // as reportStateProblem checked them
  }
  const configNow = configRecord(cfg);
  const then = fs.existsSync(run.file(RUN_LAYOUT.config)) ? readYamlMapping(run.file(RUN_LAYOUT.config)) : configNow;
  return restartRefusal(run, { then, now: configNow, model: now.model(), trainAgain, where });
}
