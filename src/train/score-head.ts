// A classification run's head on the loaded model: the adapter's, a trainable copy of the model's own, a new one, or the
// model's own left frozen (under an adapter without task_type, as PEFT's plain PeftModel keeps it).
import { initStd } from '../model/init-std.ts';
import type { MistralModel } from '../model/mistral.ts';
import { hostFloats } from '../model/weights.ts';
import type { Rng } from '../util/rng.ts';
import { modelConfigPlace, type TrainConfig } from './config.ts';

/**
 * The classification head: from lora.init_from when its adapter carries one, else a trainable copy of the model checkpoint's
 * own score.weight where it has one, else new, initialised as transformers does (normal(0, initializer_range) of the model's
 * config.json, 0.02 when absent or 0.0: initStd); trained with the adapter (PEFT's modules_to_save) or the base. Not `trained`
 * (an adapter without task_type continued): the model's own head as loaded, frozen.
 */
export function setupScoreHead(model: MistralModel, cfg: TrainConfig, trained: boolean, rng: Rng): void {
  if (!trained) return; // the model's own head, frozen (an adapter without task_type: checkAdapterAndHead made sure there is one)
  const numLabels = cfg.labels!.length;
  const loaded = model.score; // its classes checked against labels before the model loaded (checkAdapterAndHead)
  const fromAdapter = cfg.lora.init_from !== null && loaded !== null && loaded.grad !== null;
  if (fromAdapter) return;
  const C = model.cfg.hiddenSize;
  const weight = model.backend.alloc(model.dtype, numLabels * C);
  if (loaded) {
    model.backend.copy(weight, loaded.weight, numLabels * C);
  } else {
    const std = initStd(model.cfg, 'a new classification head', modelConfigPlace(cfg)), init = new Float32Array(numLabels * C).map(() => rng.normal() * std);
    model.backend.upload(weight, hostFloats(init, model.dtype));
  }
  model.setScoreHead(weight, true);
}
