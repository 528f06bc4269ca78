// A PEFT LoRA adapter as a GGUF adapter file, for llama.cpp (`llama-cli -m base.gguf --lora adapter.gguf`),
// Ollama (a Modelfile's ADAPTER) and node-llama-cpp (a context's `lora`), beside a GGUF of the base model.
// llama.cpp's layout (src/llama-adapter.cpp): general.type "adapter", general.architecture the base's ("llama"),
// adapter.type "lora", adapter.lora.alpha, and for each adapted matrix "<its name>.lora_a" (r, in) and ".lora_b"
// (out, r) — PEFT's lora_A and lora_B as they are, B's rows for q_proj and k_proj permuted as the base's rows are
// (tensors.ts). llama.cpp scales B·A by alpha / r, r the pair's own rank: the file's alpha is PEFT's scaling × r, so
// rsLoRA's alpha / √r comes out right too, and a module of its own rank or alpha (rank_pattern, alpha_pattern) is
// written at its rank with its own scaling over the file's folded into its B. Read straight from the adapter's
// safetensors (no base weights are loaded): the base model's config.json gives the shapes and head counts.
import * as path from 'node:path';
import type { MistralConfig } from '../../model/config.ts';
import { loraScaling } from '../../model/lora.ts';
import { loraKey } from '../../model/names.ts';
import { readAdapterInfo, seqClsBy, type AdapterInfo } from '../../model/peft.ts';
import { requireAdapterTensorShape } from '../../model/adapter-tensor-shape.ts';
import { SafetensorsFile } from '../../model/safetensors.ts';
import { PROJECTIONS, projectionShape } from '../../model/weights.ts';
import type { OptionWords } from '../../util/option-words.ts';
import { UserError } from '../../util/errors.ts';
import { requireF16Range, requireFinite } from '../../util/finite.ts';
import { requireGgufValues, writeGguf, type GgufTensor, type GgufValue } from './gguf-file.ts';
import { classifierAdapter, requireSiluGate, type GgufExportResult } from './export-gguf.ts';
import { ADAPTER_QUANTS, ADAPTER_QUANTS_SAID, fileType, GGUF_WORDS, type GgufQuant } from './quant-choices.ts';
import { provenanceMetadata, type Provenance } from './metadata.ts';
import { encodeTensor } from './quant/encode.ts';
import { readUnchanged } from '../read-unchanged.ts';
import { GGUF_PROJ, permuteRope } from './tensors.ts';

/** The tensor type of each --quant an adapter file takes (ADAPTER_QUANTS). */
const ADAPTER_TYPES = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

/** The tensor type an adapter file of `quant` is written in, or a UserError: a quantised type is none (ADAPTER_QUANTS). */
export function adapterTensorType(quant: GgufQuant, words: OptionWords = GGUF_WORDS): (typeof ADAPTER_TYPES)[keyof typeof ADAPTER_TYPES] {
  if (!ADAPTER_QUANTS.includes(quant)) throw new UserError(`${words.say('quant')} ${quant}: ${ADAPTER_QUANTS_SAID}`, words.where);
  return ADAPTER_TYPES[quant as keyof typeof ADAPTER_TYPES];
}

/** Writes the adapter in folder `adapterDir` (for a base model of config `cfg`) to `out` as a GGUF LoRA adapter. */
export function exportLoraGguf(cfg: MistralConfig, adapterDir: string, out: string, quant: GgufQuant, from: Provenance, words: OptionWords = GGUF_WORDS): GgufExportResult {
  const type = adapterTensorType(quant, words);
  // the adapter would be applied by llama.cpp over a base it runs with silu: wrong for another gate
  requireSiluGate(cfg, from.baseModel ? path.join(from.baseModel, 'config.json') : adapterDir, words);
  // an adapter folder may be replaced by a run still training (best/), or removed (a checkpoint it prunes): its config
  // and its tensors' file are read from one folder, checked unchanged (the file stays open, so the tensors written are those of the folder checked)
  const file = path.join(adapterDir, 'adapter_model.safetensors');
  const read = (): { info: AdapterInfo; st: SafetensorsFile } => {
    const info = readAdapterInfo(adapterDir, cfg.numLayers, cfg, from.baseModel ?? undefined);
    return { info, st: SafetensorsFile.open(file) };
  };
  const { info, st } = readUnchanged(adapterDir, read, (r) => r.st.close());
  try {
    if (info.taskType === 'SEQ_CLS') throw classifierAdapter(seqClsBy(adapterDir) ?? 'task_type', adapterDir, words);
    if (info.spec.useDora) {
      throw new UserError('use_dora: a DoRA adapter cannot be a GGUF adapter file (llama.cpp applies W + s·B·A, without the magnitudes); ' +
        `export it merged (${words.cli ? '--format gguf' : `${words.say('format')} 'gguf'`})`, path.join(adapterDir, 'adapter_config.json'));
    }
    const tensors: GgufTensor[] = [];
    const types: Record<string, string> = {};
    // llama.cpp scales each pair by the file's alpha over that pair's rank (its lora_a rows): alpha is r × scaling, and
    // a module of another rank or alpha (rank_pattern, alpha_pattern) has its rank × scaling over it folded into its B
    const alpha = info.spec.r * loraScaling(info.spec);
    let adapted = 0; // elements of the matrices adapted
    for (let i = 0; i < cfg.numLayers; i++) {
      for (const p of PROJECTIONS) {
        if (!info.layers[i]!.has(p)) continue;
        const m = info.ranks.of(i, p), r = m.r;
        const fold = (r * loraScaling({ ...info.spec, r, alpha: m.alpha })) / alpha; // exactly 1 for an adapter without patterns
        const [outDim, inDim] = projectionShape(cfg, p);
        adapted += outDim * inDim;
        const heads = p === 'q_proj' ? cfg.numHeads : p === 'k_proj' ? cfg.numKvHeads : 0;
        const base = `blk.${i}.${GGUF_PROJ[p]}.weight`;
        const factor = (f: 'A' | 'B', shape: [number, number], permute: boolean): void => {
          const key = loraKey(i, p, f);
          requireAdapterTensorShape(st, key, shape, from.baseModel);
          const name = `${base}.lora_${f.toLowerCase()}`;
          const read = (): Float32Array => {
            const host = st.readF32(key);
            if (f === 'B' && fold !== 1) for (let k = 0; k < host.length; k++) host[k]! *= fold;
            requireFinite(host, key, file);
            if (type === 'F16') requireF16Range(host, key, `${words.say('quant')} bf16 or f32 holds it`, file);
            return permute ? permuteRope(host, heads, r) : host;
          };
          tensors.push({ name, shape, type, data: () => encodeTensor(read(), shape[1], type) });
          types[name] = type;
        };
        factor('A', [r, inDim], false);
        factor('B', [outDim, r], heads > 0);
      }
    }
    if (tensors.length === 0) throw new UserError('the adapter adapts no projection', file);
    // gguf-py counts an adapter's pairs as the matrices they adapt, negated (its size is not the model's)
    const metadata = adapterMetadata(alpha, quant, from, -adapted);
    requireGgufValues(metadata, path.join(adapterDir, 'adapter_config.json'));
    const bytes = writeGguf(out, metadata, tensors);
    return { file: path.resolve(out), bytes, types };
  } finally {
    st.close();
  }
}

function adapterMetadata(alpha: number, quant: GgufQuant, from: Provenance, totalParams: number): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.type', { type: 'string', value: 'adapter' }],
    ['adapter.type', { type: 'string', value: 'lora' }],
    ['adapter.lora.alpha', { type: 'f32', value: alpha }],
    ['general.file_type', { type: 'u32', value: fileType(quant) }],
    ['general.quantization_version', { type: 'u32', value: 2 }],
  ]);
  for (const [k, v] of provenanceMetadata(from, 'a LoRA adapter', totalParams)) m.set(k, v);
  return m;
}
