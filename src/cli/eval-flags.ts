// mistral-tune eval's usage and the checks of its flags that read no model: made before eval.ts (the backend, the model,
// the tokenizer) loads, so that a mistake in them is said at the cost of the CLI's own modules.
import { type ClassNames, parseLabelsOption } from '../data/labels.ts';
import { FORMATS, refuseYamlData, type Format } from '../data/ingest/types.ts';
import { parsePrecision, type Precision } from '../backend/dtype.ts';
import type { DeviceName } from '../backend/select.ts';
import { requireOneTarget } from '../eval/target-args.ts';
import type { EvalTargetOptions } from '../eval/target.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { dataFileOption, deviceOption, intOption, oneOf, parseCommand, required } from './args.ts';

export const usage = `mistral-tune eval (--model DIR [--adapter DIR] | --adapter DIR | --run RUN_DIR [--best]) --data FILE [options]

Generation: the token-weighted mean loss over the whole file (Σ NLL of every target token / their
count, the same for any batch size and padding), the perplexity and the token count.
Classification: the mean loss, accuracy, macro-F1, and below them each class's precision, recall, F1 and
support (as scikit-learn's classification_report, zero_division=0; up to 50 classes, more with --json),
the weighted and micro F1 (micro-F1 = accuracy), and the confusion matrix (rows = true class).

  --model DIR        HF model folder (config.json, model.safetensors or shards + index)
  --adapter DIR      a PEFT LoRA adapter to apply (a SEQ_CLS adapter makes it classification); without
                     --model, over the base its adapter_config.json's base_model_name_or_path names, where
                     that is a model folder from here (as AutoPeftModelForCausalLM loads it)
  --run DIR          a training run: its model, adapter (or model/), task, labels and max_seq_len
  --best             with --run: the weights of the lowest val loss (best/, in a run with val data)
                     instead of the last step's
  --data FILE        a prepare output, any file prepare reads (JSONL, JSON, CSV, TSV, text), or pre-tokenized
                     JSONL {"input_ids": [...], "labels": [...]} (labels optional: all next tokens are
                     targets; the length of input_ids, -100 masks a target, HF's convention)
  --format NAME      read --data as ${FORMATS.join('|')} (default: by its extension; another, /dev/stdin
                     redirected from a file included, is plain text: the whole file one text; a pipe or FIFO is refused)
  --task T           generation or classification (default: from the run or adapter); one the weights
                     were not trained for (a SEQ_CLS adapter for generation) is refused
  --labels A,B,...   classification: class names in index order, or INTEGER=NAME,... as prepare takes them
                     (names that hold a comma: a JSON list, --labels '["A, B","C"]')
                     (the integer each class is written as in the data; default: from the run, the --adapter
                     folder or config.json, else the data's order, with a warning)
  --max-seq-len N    truncate longer examples to N tokens; one left with no target token is dropped
                     (both counted on stderr) (default: from the run, else none)
  --batch-size N     rows per forward pass (default 8); the result does not depend on it
  --device NAME      auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P      bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)
  --json             print exactly one JSON object on stdout: {"loss", "perplexity", "tokens"} for
                     generation (perplexity is the string "Infinity" where exp(loss) overflows, loss > ~709.78);
                     {"loss", "accuracy", "macro_f1", "micro_f1", "weighted_f1", "per_class" (a list in class
                     order: {"label", "precision", "recall", "f1", "support"} each, every class of the head),
                     "confusion" (null past 2048 classes), "labels", "examples"} for classification`;

export interface EvalFlags {
  model?: string; adapter?: string; run?: string; best?: boolean; data?: string; task?: string; labels?: string;
  format?: string; 'max-seq-len'?: string; 'batch-size'?: string; device?: string; precision?: string; json?: boolean; help?: boolean;
}

/** eval's flags as checked here, for eval.ts's run. */
export interface EvalArgs {
  f: EvalFlags;
  dataFile: string;
  batchSize: number;
  format: Format | undefined;
  /** --labels as prepare takes it: the class names in index order, or INTEGER=NAME (the integer each class is written as in the data). */
  given: ClassNames | null;
  target: EvalTargetOptions;
  precision: Precision;
  device: DeviceName;
}

/**
 * eval's flags checked in its order, up to the run or model folder that resolveEvalTarget reads: every value before
 * the model folder is read (a bad --precision or --device was said after its checks, and after a bad --model); null: -h.
 */
export function parse(argv: string[]): EvalArgs | null {
  const { values: f } = parseCommand<EvalFlags>('eval', argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, best: { type: 'boolean' },
    data: { type: 'string' }, format: { type: 'string' }, task: { type: 'string' }, labels: { type: 'string' }, 'max-seq-len': { type: 'string' },
    'batch-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) return null;
  const dataFile = dataFileOption('data', required('data', f.data, 'eval'), 'test.jsonl');
  const batchSize = intOption('batch-size', f['batch-size'], 8);
  const format = f.format === undefined ? undefined : oneOf<Format>('format', f.format, FORMATS, 'jsonl');
  refuseYamlData(dataFile, format); // before the backend starts, as the reader would refuse it
  const given = f.labels !== undefined ? parseLabelsOption(f.labels) : null;
  const precision = parsePrecision(f.precision), device = deviceOption(f.device); // before the backend starts and says what it found
  const target: EvalTargetOptions = {
    model: f.model, adapter: f.adapter, run: f.run, best: f.best, task: f.task === undefined ? undefined : oneOf('task', f.task, ['generation', 'classification'], 'generation'),
    labels: given ? given.labels.map(String) : null,
    maxSeqLen: f['max-seq-len'] !== undefined ? intOption('max-seq-len', f['max-seq-len'], 0, 2) : null, // --max-seq-len= is no "none"
  };
  requireOneTarget(target, FLAG_WORDS);
  return { f, dataFile, batchSize, format, given, target, precision, device };
}
