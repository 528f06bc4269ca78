// mistral-tune eval: token-weighted loss and perplexity of a model (optionally with a LoRA adapter) on a
// pre-tokenized JSONL file.
import { createBackend, type DeviceName } from '../backend/select.ts';
import { readPretokenized } from '../data/pretokenized.ts';
import { evaluateLoss } from '../eval/evaluate.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter } from '../model/peft.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import { Progress } from '../util/progress.ts';
import { intOption, parseCommand, required } from './args.ts';

export const usage = `mistral-tune eval --model DIR --data FILE.jsonl [options]

Token-weighted mean loss (Σ NLL of every target token / their count) and perplexity over a whole file.

  --model DIR        HF model folder (config.json, model.safetensors or shards + index)
  --data FILE        JSONL rows {"input_ids": [...], "labels": [...]}; labels optional (all next tokens
                     are targets), the length of input_ids, -100 masks a target (HF's convention)
  --adapter DIR      a PEFT LoRA adapter folder to apply
  --batch-size N     rows per forward pass (default 8); the result does not depend on it
  --device NAME      cpu (default: auto)
  --json             print exactly one JSON object {"loss", "perplexity", "tokens"} on stdout`;

interface EvalFlags {
  model?: string; data?: string; adapter?: string; 'batch-size'?: string; device?: string; json?: boolean; help?: boolean;
}

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<EvalFlags>('eval', argv, {
    model: { type: 'string' }, data: { type: 'string' }, adapter: { type: 'string' },
    'batch-size': { type: 'string' }, device: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  const modelDir = required('model', f.model, 'eval');
  const dataFile = required('data', f.data, 'eval');
  const batchSize = intOption('batch-size', f['batch-size'], 8);
  const backend = createBackend((f.device ?? 'auto') as DeviceName);
  const model = loadModel(modelDir, { backend });
  if (f.adapter) loadAdapter(model, f.adapter, { trainable: false });
  // Validate the whole file before computing, so a bad line fails fast with its line number.
  const rows = [...readPretokenized(dataFile, model.cfg.vocabSize)];
  if (rows.length === 0) throw new UserError('no rows in the data file', dataFile);
  const progress = f.json ? null : new Progress({ label: 'eval', total: rows.length, unit: 'rows' });
  let last = 0;
  const report = evaluateLoss(model, rows, {
    batchSize,
    onBatch: (done) => {
      progress?.tick(done - last);
      last = done;
    },
  });
  progress?.finish();
  if (f.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    info(`model ${modelDir} on ${backend.describe()}`);
    process.stdout.write(
      `loss ${report.loss.toFixed(6)}  perplexity ${report.perplexity.toFixed(4)}  tokens ${report.tokens}  (${rows.length} rows)\n`,
    );
  }
}
