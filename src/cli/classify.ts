// mistral-tune classify: the class a classification model (or a SEQ_CLS adapter, or a classification run)
// predicts for new texts, with the probability of each class — what eval measures on labelled data, applied
// to unlabelled text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePrecision } from '../backend/dtype.ts';
import { withBackend } from '../backend/select.ts';
import { normalizeText } from '../data/clean.ts';
import { FORMATS, recordPlace, type Format } from '../data/ingest/types.ts';
import { parseLabelsOption } from '../data/labels.ts';
import { tokenizeRecord } from '../data/tokenize.ts';
import { predictClasses, type ClassPrediction } from '../eval/classification.ts';
import { pastContextWarning } from '../eval/evaluate.ts';
import { givenLabels, labelsSource, modelTask, requireOneNamePerClass, FLAG_WORDS, resolveEvalTarget } from '../eval/target.ts';
import { readTextsToClassify, type TextToClassify } from '../eval/texts.ts';
import { defaultLabels, loadConfig } from '../model/config.ts';
import { loadModel } from '../model/mistral.ts';
import { isCausalLmAdapter, loadAdapter } from '../model/peft.ts';
import { hasScoreHeadFolder } from '../model/task.ts';
import { requireModelTokenizer } from '../tokenizer/load.ts';
import { removeDeadTemps, withIo, writeStreamAtomic } from '../util/atomic.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import { counted } from '../util/plural.ts';
import { Progress } from '../util/progress.ts';
import { dataFileOption, deviceOption, intOption, oneOf, parseCommand } from './args.ts';

export const usage = `mistral-tune classify (--model DIR [--adapter DIR] | --run RUN_DIR [--best]) (--text TEXT | --data FILE) [options]

The class the model predicts for each text, and the probability of each class. Texts are cleaned as prepare
cleans training text and tokenized as training tokenizes them (BOS + text, cut at the run's max_seq_len: the
texts cut are counted in a warning, as are texts longer than the model's max_position_embeddings).

  --model DIR         a classification model folder (MistralForSequenceClassification), or a base model
                      with --adapter
  --adapter DIR       a PEFT SEQ_CLS adapter (e.g. RUN_DIR/adapter)
  --run DIR           a classification training run: its model, adapter (or model/), labels and max_seq_len
  --best              with --run: the weights of the lowest val loss (best/, in a run with val data)
                      instead of the last step's
  --text TEXT         one text
  --data FILE         texts: the "text" field of each record of a JSONL, JSON, CSV or TSV file (labels, if
                      any, are not read), or each non-blank line of a plain-text file
  --text-field KEY    with --data: read the text from KEY instead of "text"
  --format NAME       read --data as ${FORMATS.join('|')} (default: by its extension; another, /dev/stdin
                      redirected from a file included, is plain text: a text per line; a pipe or FIFO is refused)
  --labels A,B,...    class names in index order, or INTEGER=NAME,... as prepare takes them (default: from
                      the run or config.json's id2label)
  --out FILE          with --data: write the predictions as JSONL to FILE (a new file) instead of stdout
  --batch-size N      rows per forward pass (default 8); predictions do not depend on it
  --device NAME       auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P       bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)
  --json              print JSON: one object for --text, one line per text for --data
                      ({"line", "record" where records share a line, "id" when the record has one,
                      "label", "probs": {class: p}})`;

/** The refusal of weights with no score head, said before a backend starts where the adapter's files show it. */
const NOT_A_CLASSIFIER = 'not a classification model: classify needs a score head (a SEQ_CLS adapter, a classification run or model); for text use mistral-tune generate';

interface Flags {
  model?: string; adapter?: string; run?: string; best?: boolean; text?: string; data?: string; 'text-field'?: string; format?: string;
  labels?: string; out?: string; 'batch-size'?: string; device?: string; precision?: string; json?: boolean; help?: boolean;
}

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<Flags>('classify', argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, best: { type: 'boolean' },
    text: { type: 'string' }, data: { type: 'string' }, 'text-field': { type: 'string' }, format: { type: 'string' }, labels: { type: 'string' },
    out: { type: 'string' }, 'batch-size': { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  if ((f.text === undefined) === (f.data === undefined)) throw new UserError('give exactly one of --text or --data (see mistral-tune classify --help)');
  if (f.data === undefined && (f.out !== undefined || f['text-field'] !== undefined || f.format !== undefined)) throw new UserError('--out, --text-field and --format go with --data');
  const format = f.format === undefined ? undefined : oneOf<Format>('format', f.format, FORMATS, 'jsonl');
  if (f.data !== undefined) dataFileOption('data', f.data, 'test.jsonl');
  if (f.out !== undefined) checkNewOutFile(f.out);
  const batchSize = intOption('batch-size', f['batch-size'], 8);
  // bad values before the weights' files are read (a flag's typo is said first) and before the backend starts and says what it found
  const precision = parsePrecision(f.precision), device = deviceOption(f.device);
  const target = resolveEvalTarget({
    model: f.model, adapter: f.adapter, run: f.run, best: f.best,
    labels: f.labels !== undefined ? parseLabelsOption(f.labels).labels.map(String) : null, // names, or prepare's INTEGER=NAME
  }, FLAG_WORDS);
  // the run's config.yaml says it: refused before a backend starts, not once its adapter or model is loaded
  if (f.run !== undefined && target.task === 'generation') {
    throw new UserError('a generation run (task: generation) predicts text, not labels: classify takes a classification run; for text use mistral-tune generate --run', f.run);
  }
  const config = loadConfig(target.model); // a config.json refused before a backend starts; read once, so its warnings are said once
  // a causal-LM adapter as its adapter_config.json (and safetensors header) say, read without a backend
  if (target.adapter !== null && isCausalLmAdapter(target.adapter)) throw new UserError(NOT_A_CLASSIFIER, target.adapter);
  // with no adapter, the head is the model folder's own: none in its safetensors header's tensor names, read without a
  // backend (weights that cannot be opened are left to loading them, which says why)
  if (target.adapter === null && hasScoreHeadFolder(target.model) === false) throw new UserError(NOT_A_CLASSIFIER, target.model);
  const texts: TextToClassify[] = f.data !== undefined ? readTextsToClassify(f.data, f['text-field'], { format, onNote: (note) => warn(`${f.data}: ${note}`) }) : [{ line: 1, text: normalizeText(f.text!) }];
  if (texts[0]!.text === '') throw new UserError('--text is empty');
  withBackend(device, (backend) => {
    const model = loadModel(target.model, { backend, precision, config });
    const adapter = target.adapter ? loadAdapter(model, target.adapter, { trainable: false }) : null;
    if (modelTask(model, adapter, null) !== 'classification' || !model.score) {
      throw new UserError(NOT_A_CLASSIFIER, target.adapter ?? target.model);
    }
    const numLabels = model.score.numLabels;
    // a run's own labels were checked against --labels already; a model folder's are its config.json's id2label
    const names = (f.run ? target.labels : givenLabels(target.labels, model.cfg.labels, "the classes of config.json's id2label")) ?? model.cfg.labels ?? null;
    requireOneNamePerClass(names, numLabels, labelsSource(f.labels, f.run));
    if (!names) warn(`the class names are not known (--labels, --run, or id2label in config.json): classes are shown as transformers names them (LABEL_0 to LABEL_${numLabels - 1})`);
    const classes = names ?? defaultLabels(numLabels);
    const tokenizer = requireModelTokenizer(target.tokenizerDir ?? target.model, model.cfg.vocabSize, target.model);
    const maxSeqLen = target.maxSeqLen ?? undefined;
    const tokenized = texts.map((t) => {
      try {
        return tokenizeRecord({ shape: 'classification', text: t.text, label: 0 }, tokenizer, { maxSeqLen, overflow: 'truncate' });
      } catch (e) {
        if (isUserError(e)) throw new UserError(e.message, f.data !== undefined ? recordPlace(f.data, t) : '--text');
        throw e;
      }
    });
    const rows = tokenized.map((t) => t.row!);
    // a cut text is classified on its start only, as training read it: said, never silent
    const cut = tokenized.findIndex((t) => t.overflow === 'truncated');
    if (cut >= 0) {
      const n = tokenized.filter((t) => t.overflow === 'truncated').length;
      const limit = `the run's max_seq_len (${maxSeqLen} tokens)`;
      warn(f.data === undefined ? `the text is longer than ${limit} and was cut to it, as training cuts them: only its first ${maxSeqLen} tokens are classified`
        : `${n} of ${counted(texts.length, 'text')} ${n === 1 ? 'is' : 'are'} longer than ${limit} and ${n === 1 ? 'was' : 'were'} cut to it, as training cuts them: ` +
          `only ${n === 1 ? 'its' : 'their'} first ${maxSeqLen} tokens are classified (${n === 1 ? '' : 'the first: '}${recordPlace(f.data, texts[cut]!)})`);
    }
    const past = rows.filter((r) => r.inputIds.length > model.cfg.maxPositionEmbeddings).length;
    if (past > 0) warn(pastContextWarning(past, 'text', model.cfg.maxPositionEmbeddings, `${past === 1 ? 'its prediction says' : 'their predictions say'} little`));
    const progress = f.json || texts.length === 1 ? null : new Progress({ label: 'classify', total: rows.length, unit: 'texts' });
    let done = 0;
    const predictions = predictClasses(model, rows, batchSize, (n) => { progress?.tick(n - done); done = n; });
    progress?.finish();
    // one JSON line, the id as its record spells it (TextToClassify.id: JSON text)
    const record = (t: TextToClassify, p: ClassPrediction): string => '{' + [
      ...(f.data !== undefined ? [`"line":${t.line}`, ...(t.record !== undefined ? [`"record":${t.record}`] : [])] : []), ...(t.id !== undefined ? [`"id":${t.id}`] : []),
      `"label":${JSON.stringify(classes[p.label])}`, `"probs":${JSON.stringify(probsByClass(classes, p.probs))}`,
    ].join(',') + '}';
    if (f.out !== undefined) {
      // never replaces: a file that appeared at --out while classify ran (another classify's) stays, and this one fails
      const text = predictions.map((p, i) => record(texts[i]!, p) + '\n').join('');
      writeStreamAtomic(f.out, (write) => write(Buffer.from(text, 'utf8')), false);
      info(`classify: ${counted(predictions.length, 'prediction')} written to ${f.out}`);
    } else if (f.json) {
      process.stdout.write(predictions.map((p, i) => record(texts[i]!, p) + '\n').join(''));
    } else {
      const width = Math.max(...classes.map((c) => c.length));
      const lines = predictions.map((p, i) => {
        const head = f.data !== undefined ? `${recordPlace(f.data, texts[i]!)}  ` : '';
        return `${head}${classes[p.label]!.padEnd(width)}  ${p.probs[p.label]!.toFixed(4)}`;
      });
      process.stdout.write(lines.join('\n') + '\n');
    }
  });
}

/** {class name: probability} in class order; a class named "__proto__" is a key like any other. */
function probsByClass(classes: readonly string[], probs: readonly number[]): Record<string, number> {
  const o: Record<string, number> = {};
  classes.forEach((c, i) => Object.defineProperty(o, c, { value: probs[i]!, enumerable: true, writable: true, configurable: true }));
  return o;
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
    throw new UserError('the output file exists (classify writes a new file)', out);
  }
  const folder = path.dirname(path.resolve(out));
  if (!withIo(out, 'write', () => fs.statSync(folder, { throwIfNoEntry: false }))?.isDirectory()) {
    throw new UserError(`cannot write: the folder ${folder} does not exist (classify makes none)`, out);
  }
}
