// general.sampling.* of a GGUF export: the sampling defaults a model folder's generation_config.json states, as
// gguf-py's Metadata.load reads them for convert_hf_to_gguf.py (top_k, top_p, min_p, temperature, repetition_penalty,
// and llama.cpp's own sequence, xtc_*, penalty_last_n, penalty_repeat, mirostat*). llama-cli and llama-server take
// them as their defaults where the user gives no flag (common.cpp common_init_sampler_from_model); without them a
// fine-tuned model stating temperature 0.3 samples there at llama.cpp's 0.8, top_k 40, top_p 0.95. Written whatever
// do_sample says, as gguf-py writes them; config.json's generation keys are not read (gguf-py reads only this file).
import { generationConfigJson } from '../../model/generation-config.ts';
import { UserError } from '../../util/errors.ts';
import { boundedJsonText } from '../../util/bounded-json.ts';
import { requireGgufValues, type GgufValue } from './gguf-file.ts';
import { numberSpelling } from '../../data/ingest/number-spellings.ts';
import { warnOnce } from '../../util/log.ts';

type Kind = 'i32' | 'f32' | 'string';

/** generation_config.json key(s), the first present (not null) winning, → the GGUF key and its type (gguf_writer.py's add_sampling_*). */
const SAMPLING_KEYS: ReadonlyArray<readonly [readonly string[], string, Kind]> = [
  [['sequence'], 'general.sampling.sequence', 'string'],
  [['top_k'], 'general.sampling.top_k', 'i32'],
  [['top_p'], 'general.sampling.top_p', 'f32'],
  [['min_p'], 'general.sampling.min_p', 'f32'],
  [['xtc_probability'], 'general.sampling.xtc_probability', 'f32'],
  [['xtc_threshold'], 'general.sampling.xtc_threshold', 'f32'],
  [['temperature'], 'general.sampling.temp', 'f32'],
  [['penalty_last_n'], 'general.sampling.penalty_last_n', 'i32'],
  [['penalty_repeat', 'repetition_penalty'], 'general.sampling.penalty_repeat', 'f32'],
  [['mirostat'], 'general.sampling.mirostat', 'i32'],
  [['mirostat_tau'], 'general.sampling.mirostat_tau', 'f32'],
  [['mirostat_eta'], 'general.sampling.mirostat_eta', 'f32'],
];

/**
 * The general.sampling.* keys for the model folder `modelDir` (none without a generation_config.json). A value of a
 * type its key cannot hold (a string temperature, a top_k of 2.5, past i32 or float32) is refused naming the file and
 * the key, where gguf-py's writer stops with a Python error; a NaN or infinite one is left out, said, rather than
 * written as the default llama-cli and llama-server would sample with.
 */
export function samplingMetadata(modelDir: string): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>();
  const read = generationConfigJson(modelDir); // gguf-py reads this file alone, not config.json's generation keys
  if (!read) return m;
  const { file, config: json } = read;
  for (const [names, key, kind] of SAMPLING_KEYS) {
    // gguf-py: gen_config.get(a, gen_config.get(b, None)): the first key present, even as null (then nothing is written)
    const name = names.find((n) => n in json);
    if (name === undefined || json[name] === null) continue;
    const v = json[name];
    const nonFinite = typeof v === 'number' && !Number.isFinite(v);
    const spelled = nonFinite ? numberSpelling(json, name) ?? String(v) : ''; // as the file spells it: NaN, Infinity, 1e400
    const fits = kind === 'string' ? typeof v === 'string' : typeof v === 'number' && (kind === 'f32' || Number.isInteger(v));
    if (!fits) {
      const want = kind === 'string' ? 'a string' : kind === 'i32' ? 'an integer' : 'a number';
      throw new UserError(`${name} is ${nonFinite ? spelled : boundedJsonText(v)}: ${key} of a GGUF export needs ${want}`, file);
    }
    if (nonFinite) { // a float key's NaN, ±Infinity (json.loads reads them): not written as a sampling default
      warnOnce(`${file}: ${name} is ${spelled}, not a finite number: ${key} is left out of the GGUF (llama.cpp's default applies); give a number to set it`);
      continue;
    }
    m.set(key, kind === 'string' ? { type: 'string', value: v as string } : { type: kind, value: v as number });
  }
  requireGgufValues(m, file);
  return m;
}
