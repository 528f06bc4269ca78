// mistral-tune classify's usage and the checks of its flags that read no model: made before classify.ts (the backend,
// the model, the tokenizer) loads, so that a mistake in them is said at the cost of the CLI's own modules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePrecision, type Precision } from '../backend/dtype.ts';
import type { DeviceName } from '../backend/select.ts';
import { FORMATS, refuseYamlData, type Format } from '../data/ingest/types.ts';
import { parseLabelsOption } from '../data/labels.ts';
import { requireOneTarget } from '../eval/target-args.ts';
import { removeDeadTemps, withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { dataFileOption, deviceOption, intOption, oneOf, parseCommand } from './args.ts';

export const usage = `mistral-tune classify (--model DIR [--adapter DIR] | --adapter DIR | --run RUN_DIR [--best]) (--text TEXT | --data FILE) [options]

The class the model predicts for each text, and the probability of each class. Texts are cleaned as prepare
cleans training text (runs of spaces become one, NFC, the ends trimmed) and tokenized as training tokenizes them, as transformers' tokenizer(text) does (BOS + text
+ any special ids the tokenizer puts after a text; cut at --max-seq-len, else the run's max_seq_len, those ids kept, as
training cuts them: the texts cut are counted in a warning, as are texts longer than the model's
max_position_embeddings, scored whole as transformers' pipeline scores them).

  --model DIR         a classification model folder (MistralForSequenceClassification,
                      LlamaForSequenceClassification, …), or a base model with --adapter
  --adapter DIR       a PEFT LoRA adapter: a SEQ_CLS one (e.g. RUN_DIR/adapter), or one without task_type over
                      a classification model, scored with that model's head; without --model, over the base its
                      adapter_config.json's base_model_name_or_path names, where that is a model folder
                      from here (as AutoPeftModelForSequenceClassification loads it)
  --run DIR           a classification training run: its model, adapter (or model/), labels and max_seq_len
  --best              with --run: the weights of the lowest val loss (best/, in a run with val data)
                      instead of the last step's
  --text TEXT         one text
  --data FILE         texts: the "text" field of each record of a JSONL, JSON, CSV or TSV file (labels, if
                      any, are not read), or each non-blank line of a plain-text file
  --text-field KEY    with --data: read the text from KEY instead of "text"
  --format NAME       read --data as ${FORMATS.join('|')} (default: by its extension; another, /dev/stdin
                      redirected from a file included, is plain text: a text per line; a pipe or FIFO is refused)
  --labels A,B,...    class names in index order, or INTEGER=NAME,... as prepare takes them (names that hold a
                      comma: a JSON list, --labels '["A, B","C"]'; default: from the run, the --adapter folder
                      (its config.json's id2label, else its card's labels line) or config.json's id2label)
  --out FILE          with --data: write the predictions as JSONL to FILE (a new file) instead of stdout
  --max-seq-len N     cut longer texts to N tokens, as training cuts them (counted on stderr) (default: from the
                      run, else none: a text past the model's max_position_embeddings is scored whole, with a warning)
  --batch-size N      rows per forward pass (default 8); predictions do not depend on it
  --device NAME       auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P       bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)
  --json              print JSON: one object for --text, one line per text for --data
                      ({"line", "record" where records share a line, "id" when the record has one,
                      "label", "probs": {class: p}})`;

export interface ClassifyFlags {
  model?: string; adapter?: string; run?: string; best?: boolean; text?: string; data?: string; 'text-field'?: string; format?: string;
  labels?: string; out?: string; 'max-seq-len'?: string; 'batch-size'?: string; device?: string; precision?: string; json?: boolean; help?: boolean;
}

/** classify's flags as checked here, for classify.ts's run. */
export interface ClassifyArgs {
  f: ClassifyFlags;
  format: Format | undefined;
  batchSize: number;
  precision: Precision;
  device: DeviceName;
  /** --labels: the class names in index order (from names, or prepare's INTEGER=NAME), or null. */
  labels: string[] | null;
  /** --max-seq-len: the length texts are cut to (the run's max_seq_len in its place), or null. */
  maxSeqLen: number | null;
}

/** classify's flags checked in its order, up to the run or model folder that resolveEvalTarget reads; null: -h. */
export function parse(argv: string[]): ClassifyArgs | null {
  const { values: f } = parseCommand<ClassifyFlags>('classify', argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, best: { type: 'boolean' },
    text: { type: 'string' }, data: { type: 'string' }, 'text-field': { type: 'string' }, format: { type: 'string' }, labels: { type: 'string' },
    out: { type: 'string' }, 'max-seq-len': { type: 'string' }, 'batch-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) return null;
  if ((f.text === undefined) === (f.data === undefined)) throw new UserError('give exactly one of --text or --data (see mistral-tune classify --help)');
  if (f.data === undefined && (f.out !== undefined || f['text-field'] !== undefined || f.format !== undefined)) throw new UserError('--out, --text-field and --format go with --data');
  const format = f.format === undefined ? undefined : oneOf<Format>('format', f.format, FORMATS, 'jsonl');
  if (f.data !== undefined) refuseYamlData(dataFileOption('data', f.data, 'test.jsonl'), format);
  if (f.out !== undefined) checkNewOutFile(f.out);
  const batchSize = intOption('batch-size', f['batch-size'], 8);
  const maxSeqLen = f['max-seq-len'] !== undefined ? intOption('max-seq-len', f['max-seq-len'], 0, 2) : null; // as eval's: --max-seq-len= is no "none"
  // bad values before the weights' files are read (a flag's typo is said first) and before the backend starts and says what it found
  const precision = parsePrecision(f.precision), device = deviceOption(f.device);
  const labels = f.labels !== undefined ? parseLabelsOption(f.labels).labels.map(String) : null; // names, or prepare's INTEGER=NAME
  // which weights: the first of resolveEvalTarget's checks, before it reads them
  requireOneTarget(f, FLAG_WORDS);
  return { f, format, batchSize, precision, device, labels, maxSeqLen };
}

/**
 * --out before any text is classified: a new file (an lstat finds a symbolic link there, even one to nothing: the
 * user's too) in a folder that exists, so a path that cannot be written — a file where a folder should be (ENOTDIR),
 * a folder that is not there — is said at once, not after every prediction is made.
 */
function checkNewOutFile(out: string): void {
  // lstat: a symbolic link there, even one to nothing, is the user's too
  if (withIo(out, 'write', () => fs.lstatSync(out, { throwIfNoEntry: false })) !== undefined) {
    removeDeadTemps(out); // a second name of it, if the classify that wrote it was killed before removing that
    throw new UserError('the output file exists (classify writes a new file): remove it, or give --out another name', out);
  }
  const folder = path.dirname(path.resolve(out));
  if (!withIo(out, 'write', () => fs.statSync(folder, { throwIfNoEntry: false }))?.isDirectory()) {
    throw new UserError(`cannot write: the folder ${folder} does not exist (classify makes none)`, out);
  }
}
