// The library's GGUF export (exportGgufFile): a run (its last or best weights) or a model folder with an optional PEFT
// adapter, written as one GGUF file for llama.cpp / Ollama / LM Studio: the merged model (format 'gguf'), or the LoRA
// adapter alone (format 'gguf-lora'). `mistral-tune export --format gguf|gguf-lora` checks its flags and calls it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../backend/backend.ts';
import { parsePrecision, type Precision } from '../../backend/dtype.ts';
import { withBackend, type DeviceName } from '../../backend/select.ts';
import { needOpenBackend } from '../../backend/open-backend.ts';
import { needArg, needPath, optionKeys, refuseMisspelledKeys } from '../../util/api-args.ts';
import { deadTempsBeside, removeDeadTemps, withIo } from '../../util/atomic.ts';
import { gib } from '../../util/byte-size.ts';
import { warn } from '../../util/log.ts';
import type { OptionWords } from '../../util/option-words.ts';
import { UserError } from '../../util/errors.ts';
import { outputPath, refuseDanglingOutput, withOutputParent } from '../out-path.ts';
import { withRunFolderLocks } from '../run-folder-lock.ts';
import { exportGguf, type GgufExportResult } from './export-gguf.ts';
import { adapterTensorType, exportLoraGguf } from './export-lora-gguf.ts';
import { adapterSource, ggufPrecision, loadGgufSource, planGgufSource, type GgufSource } from './from-source.ts';
import { wasmQuantizers } from './quant/wasm-quant.ts';
import { GGUF_WORDS, parseGgufQuant, type GgufQuant } from './quant-choices.ts';
import { boundedItemsText } from '../../util/bounded-json.ts';

export type { GgufQuant } from './quant-choices.ts';

export interface GgufFileOptions {
  /** A training run folder; or give `model`. */
  run?: string;
  /** With `run`: its best/ (the best validation checkpoint) instead of the last step's weights. */
  best?: boolean;
  /** An HF model folder, instead of a run. */
  model?: string;
  /** With `model`: a PEFT LoRA adapter folder (merged in with 'gguf', exported alone with 'gguf-lora'). */
  adapter?: string | null;
  /** The GGUF file to write: it must not exist; missing parent folders are made. */
  out: string;
  /** 'gguf' (default): the merged model; 'gguf-lora': the LoRA adapter alone, for use beside a GGUF of its base. */
  format?: 'gguf' | 'gguf-lora';
  /** Tensor type (default f16): f32, f16, bf16, q8_0, q6_k, q5_k_m, q5_k_s, q4_k_m or q4_k_s (llama-quantize's mixes). */
  quant?: GgufQuant;
  /** The backend of the merge ('gguf'); without it one is started on `device` (default auto) once nothing is left to refuse. */
  backend?: Backend;
  device?: DeviceName;
  /** Precision of the merge ('gguf'). */
  precision?: Precision;
}

export interface GgufFileResult extends GgufExportResult {
  quant: GgufQuant;
  /** The base model folder the weights or adapter belong to (null: a model folder exported as it is, random weights). */
  baseModel: string | null;
}

/** `words`: how errors name the options (the CLI passes its flags'). */
export function exportGgufFile(o: GgufFileOptions, words: OptionWords = GGUF_WORDS): GgufFileResult {
  const fn = 'exportGgufFile', say = words.say;
  needArg(fn, 'options', o, 'object', { hint: "an object such as {run: 'runs/my-run', out: 'model.gguf'}" });
  refuseMisspelledKeys(fn, 'options', o, optionKeys<GgufFileOptions>()(['run', 'best', 'model', 'adapter', 'out', 'format', 'quant', 'backend', 'device', 'precision']));
  if (o.backend) needOpenBackend(fn, o.backend, 'options.backend'); // it was loadModel's refusal, after the output's locks
  needPath(fn, 'options.out', o.out, 'file', 'the path of the .gguf file to write');
  const folders = { run: 'the run folder train wrote', model: 'a Hugging Face model folder', adapter: 'a PEFT adapter folder' } as const;
  for (const key of ['run', 'model', 'adapter'] as const) if (o[key] !== undefined && o[key] !== null) needPath(fn, `options.${key}`, o[key], 'folder', folders[key]);
  const format = o.format ?? 'gguf';
  if (format !== 'gguf' && format !== 'gguf-lora') throw new UserError(`${say('format')}: "${String(format)}" is not gguf or gguf-lora`, words.where);
  if ((o.run === undefined) === (o.model === undefined)) throw new UserError(`give exactly one of ${say('run')} or ${say('model')}`, words.where);
  if (o.adapter && o.model === undefined) throw new UserError(`${say('adapter')} goes with ${say('model')} (a run brings its own adapter)`, words.where);
  if (o.best && o.run === undefined) throw new UserError(`${say('best')} goes with ${say('run')}`, words.where);
  const out = o.out;
  // the system refuses x.gguf/ unless it is a folder (EISDIR, ENOTDIR; the export wrote x.gguf): a path ends so only to
  // name one, which is refused as a folder below
  const ending = /\/+\.?$/.exec(path.sep === '\\' ? out.replaceAll('\\', '/') : out)?.[0];
  if (ending !== undefined && !fs.existsSync(out)) {
    throw new UserError(`names a folder (it ends in "${ending}"): a GGUF export writes one file, so give ${say('out')} a file name (e.g. ${out.slice(0, -ending.length)})`, out);
  }
  const written = withIo(out, 'use as the output file', () => outputPath(out, words)); // before the stat: file/../x is refused in one line naming the option
  const existing = withIo(out, 'use as the output file', () => fs.statSync(out, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (existing?.isDirectory()) throw new UserError(`is a folder: a GGUF export writes one file, so give a file path (e.g. ${path.join(out, format === 'gguf-lora' ? 'adapter.gguf' : 'model.gguf')})`, out);
  // the file is written at the one path the system resolves (link/../model.gguf is beside the link's target), as its
  // folders are made; the temporaries of killed exports are looked for beside it (path.join would fold link/.. away)
  if (existing) {
    // a second name of it, if the export that wrote it was killed before removing that
    removeDeadTemps(withIo(out, 'use as the output file', () => path.join(outputPath(path.dirname(out)), path.basename(out))));
    throw new UserError(`output file exists (a GGUF export does not overwrite): remove it, or give ${say('out')} another name`, out);
  }
  refuseDanglingOutput(out);
  warnOtherDeadTemps(written);
  const quant = parseGgufQuant(o.quant, words, format);
  const src: GgufSource = o.run !== undefined ? { run: o.run, best: o.best ?? false } : { model: o.model!, adapter: o.adapter ?? null };
  if (format === 'gguf-lora') {
    adapterTensorType(quant, words); // refused before the output's folders are made (as another user, that failed first)
    const a = adapterSource(src, words);
    return { ...withOutputParent(out, () => withRunFolderLocks(out, words, () => namedAsGiven(written, out, () => exportLoraGguf(a.cfg, a.adapterDir, written, quant, a.from, words)))), quant, baseModel: a.from.baseModel };
  }
  wasmQuantizers(); // a bad MISTRAL_TUNE_GGUF_QUANT is refused before the model loads
  const asked = parsePrecision(o.precision, words);
  const write = (plan: ReturnType<typeof planGgufSource>, backend: Backend): GgufFileResult => {
    const precision = ggufPrecision(plan, quant, asked, backend, words);
    const loaded = loadGgufSource(plan, backend, precision, words);
    const result = withOutputParent(out, () => namedAsGiven(written, out, () => exportGguf(loaded.model, loaded.modelDir, written, quant, loaded.from, { tokenizer: loaded.tokenizer, words })));
    return { ...result, quant, baseModel: loaded.from.baseModel };
  };
  // the run folders above out are locked before the model loads (minutes at 7B), the refusal of a busy one said first;
  // then what the configs and tokenizer refuse (a classification run, tokens past the rows), before the backend starts
  return withRunFolderLocks(out, words, () => {
    const plan = planGgufSource(src, words);
    return o.backend ? write(plan, o.backend) : withBackend(o.device ?? 'auto', (backend) => write(plan, backend));
  });
}

/** Runs `write` of the file at `written` (outputPath of `out`), an error naming that file naming it as `out`, as given. */
function namedAsGiven<T>(written: string, out: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    throw e instanceof UserError && e.where === written ? new UserError(e.what, out) : e;
  }
}

/**
 * Says where killed GGUF exports of other names left their temporaries beside `out` (gigabytes each at 7B): the export
 * removes only its own name's (removeDeadTemps), so one killed and run again under another name leaves the first's.
 */
function warnOtherDeadTemps(out: string): void {
  const left = deadTempsBeside(out);
  if (left.length === 0) return;
  const bytes = left.reduce((n, t) => n + t.bytes, 0), one = left.length === 1;
  warn(`${one ? 'a temporary file' : `${left.length} temporary files`} of a killed mistral-tune write ${one ? 'is' : 'are'} left beside ${out}` +
    `${bytes >= 2 ** 26 ? ` (${gib(bytes)})` : ''}: ${boundedItemsText(left, { shown: 3, say: (t) => path.basename(t.file), keepEnd: true })}; ` +
    `remove ${one ? 'it' : 'them'} (a write removes only the temporaries of its own output name)`);
}
