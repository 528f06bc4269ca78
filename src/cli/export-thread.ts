// The work `mistral-tune export` does on a thread of its own (export.ts, command-thread.ts): the flags checked and the
// export written, all synchronous.
import { parsePrecision } from '../backend/dtype.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { exportMerges, exportRun, parseShardSize, type ExportResult } from '../export/export.ts';
import { parseGgufQuant } from '../export/gguf/export-gguf.ts';
import { exportGgufFile } from '../export/gguf/export-file.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import { deviceOption, required } from './args.ts';
import type { Flags } from './export.ts';

/** The whole export the flags ask for. */
export function exportCommand(f: Flags): void {
  const format = f.format ?? 'hf';
  // a folder named x.gguf full of safetensors is not what `--out x.gguf` asks for
  if (f.format === undefined && f.out !== undefined && /\.gguf$/i.test(f.out)) {
    throw new UserError('names a GGUF file, but without --format the export is an HF folder: add --format gguf (the merged model) or --format gguf-lora (the adapter alone), or --format hf for a folder of that name', f.out);
  }
  if (format !== 'hf' && format !== 'gguf' && format !== 'gguf-lora') throw new UserError(`--format: "${format}" is not one of hf, gguf, gguf-lora`);
  if (format !== 'hf') return runGguf(f, format === 'gguf-lora');
  for (const flag of ['quant', 'model', 'adapter'] as const) {
    if (f[flag] !== undefined) throw new UserError(`--${flag} goes with --format gguf or gguf-lora (see mistral-tune export --help)`);
  }
  const maxShardBytes = f['max-shard-size'] !== undefined ? parseShardSize(f['max-shard-size']) : undefined;
  // every flag checked before the backend starts and says what it found
  const run = required('run', f.run, 'export'), out = required('out', f.out, 'export'), precision = parsePrecision(f.precision), device = deviceOption(f.device);
  const opts = { run, out, merge: f.merge ?? false, best: f.best ?? false, maxShardBytes };
  let result: ExportResult;
  if (exportMerges(run, opts.merge)) {
    result = exportRun({ ...opts, device, precision }, FLAG_WORDS); // which starts the backend once nothing is left to refuse
  } else {
    // a copy: no backend to start (nor to fail where there is none), and no precision to honour
    if (f.device !== undefined || f.precision !== undefined) throw new UserError('--device and --precision apply to a merge (--merge of a LoRA run): this export copies the run\'s files as they are, computing nothing');
    result = exportRun(opts, FLAG_WORDS);
  }
  info(`exported ${result.kind === 'merged' ? 'a merged model' : result.kind === 'full' ? 'the fully trained model' : 'the PEFT adapter'} to ${f.out}: ${result.files.join(', ')}`);
}

function runGguf(f: Flags, adapterOnly: boolean): void {
  const format = adapterOnly ? 'gguf-lora' : 'gguf';
  if ((f.run === undefined) === (f.model === undefined)) throw new UserError(`--format ${format}: give exactly one of --run or --model (see mistral-tune export --help)`);
  if (f.adapter !== undefined && f.model === undefined) throw new UserError('--adapter goes with --model (a run brings its own adapter)');
  if (f.best && f.run === undefined) throw new UserError('--best goes with --run');
  if (f['max-shard-size'] !== undefined || f.merge) throw new UserError(`--format ${format} always writes one file: drop --merge / --max-shard-size`);
  const out = required('out', f.out, 'export');
  if (adapterOnly && (f.device !== undefined || f.precision !== undefined)) throw new UserError('--device and --precision do not apply to --format gguf-lora: it copies the adapter, computing nothing');
  const result = exportGgufFile({
    run: f.run, best: f.best, model: f.model, adapter: f.adapter, out, format, quant: parseGgufQuant(f.quant, FLAG_WORDS),
    precision: parsePrecision(f.precision), device: deviceOption(f.device),
  }, FLAG_WORDS);
  if (adapterOnly) {
    info(`exported the LoRA adapter as a ${result.quant} GGUF adapter to ${out} (${(result.bytes / 2 ** 20).toFixed(2)} MiB): load it beside a GGUF of ${result.baseModel} (llama.cpp --lora, Ollama's ADAPTER)`);
    return;
  }
  info(`exported ${result.quant} GGUF to ${out} (${(result.bytes / 2 ** 20).toFixed(1)} MiB)`);
}
