// The work `mistral-tune export` does on a thread of its own (export.ts, command-thread.ts): the flags checked and the
// export written, all synchronous.
import { parsePrecision } from '../backend/dtype.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { exportMerges, exportRun, type ExportResult } from '../export/export.ts';
import { parseGgufQuant } from '../export/gguf/quant-choices.ts';
import { exportGgufFile } from '../export/gguf/export-file.ts';
import { exportMergedAdapter } from '../export/merge-adapter.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import { deviceOption } from './args.ts';
import { checkExportFlags, type Flags } from './export-flags.ts';
import { adapterBaseFolder, sayAdapterBase } from '../model/adapter-base-folder.ts';

/** The whole export the flags ask for. */
export function exportCommand(f: Flags): void {
  const checked = checkExportFlags(f); // made on the main thread already (export-flags.ts), and here for in-process callers
  if (checked.format !== 'hf') {
    // an adapter alone: over the base its adapter_config.json names (checkExportFlags let it through)
    const model = f.model ?? (f.run === undefined ? adapterBaseFolder(f.adapter!, FLAG_WORDS) : undefined);
    if (f.model === undefined && model !== undefined) sayAdapterBase(f.adapter!, model);
    return runGguf({ ...f, model }, checked.out, checked.format === 'gguf-lora');
  }
  if ('adapter' in checked) {
    const { adapter, model, out, maxShardBytes, precision, device } = checked;
    const merged = exportMergedAdapter({ adapter, model, out, maxShardBytes, precision, device }, FLAG_WORDS);
    info(`exported ${adapter} merged into ${merged.base}${merged.head === 'classification' ? ' (a sequence classifier)' : ''} to ${out}: ${merged.files.join(', ')}`);
    return;
  }
  const { run, out, maxShardBytes, precision, device } = checked;
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

/** A GGUF file (`out`, checked) of the merged model, or of the adapter alone. */
function runGguf(f: Flags, out: string, adapterOnly: boolean): void {
  const format = adapterOnly ? 'gguf-lora' : 'gguf';
  const result = exportGgufFile({
    run: f.run, best: f.best, model: f.model, adapter: f.adapter, out, format, quant: parseGgufQuant(f.quant, FLAG_WORDS, format),
    precision: parsePrecision(f.precision), device: deviceOption(f.device),
  }, FLAG_WORDS);
  if (adapterOnly) {
    info(`exported the LoRA adapter as a GGUF adapter (${result.quant}) to ${out} (${(result.bytes / 2 ** 20).toFixed(2)} MiB): load it beside a GGUF of ${result.baseModel} (llama.cpp --lora, Ollama's ADAPTER)`);
    return;
  }
  info(`exported ${result.quant} GGUF to ${out} (${(result.bytes / 2 ** 20).toFixed(1)} MiB)`);
}
