// Our side of scripts/hf-check/generate_fuzz.py (not part of the product): reads the jobs it wrote and writes our
// answers. A 'generate' job: the library's generate() (CPU, fp32) on a model folder, one prompt of token ids and the
// options named as GenerateOptions names them, its new ids (or the one-line error it refused with). A 'filter' job: the
// tokens samplingProbabilities keeps (and their probabilities) of random logits under temperature / top-k / top-p /
// min-p / typical-p / epsilon / eta, to be compared with transformers' logits warpers.
//   node --import tsx scripts/hf-check/generate-fuzz.ts JOBS.json ANSWERS.json
import * as fs from 'node:fs';
import { createBackend } from '../../src/backend/select.ts';
import { generate, stopIds, type GenerateOptions } from '../../src/model/generate.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { samplingProbabilities, type SamplingOptions } from '../../src/model/sampling.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { isUserError } from '../../src/util/errors.ts';

type Job =
  | { kind: 'generate'; model: string; prompt: number[]; options: GenerateOptions & { generationEos?: number[] } }
  | { kind: 'filter'; logits: number[]; options: SamplingOptions };

const [jobsFile, answersFile] = process.argv.slice(2);
if (!jobsFile || !answersFile) throw new Error('usage: generate-fuzz.ts JOBS.json ANSWERS.json');
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8')) as Job[];
const backend = createBackend('cpu');
const models = new Map<string, MistralModel>();

function answer(job: Job): unknown {
  if (job.kind === 'filter') {
    // -Infinity travels as null in JSON
    const logits = Float32Array.from(job.logits, (x) => (x === null ? -Infinity : x));
    return samplingProbabilities(logits, job.options);
  }
  let model = models.get(job.model);
  if (!model) {
    model = loadModel(job.model, { backend, precision: 'fp32' });
    models.set(job.model, model);
  }
  const { generationEos, ...options } = job.options;
  // the stop ids as the CLI takes them: config.json's, the tokenizer's EOS, generation_config.json's; and HF's own
  // (generation_config.json's), the ids min_new_tokens bans and bad_words_ids spares, as the CLI passes them
  const tokenizer = loadTokenizer(job.model);
  const eosIds = options.eosIds ?? stopIds(model.cfg, tokenizer.eosId, generationEos ?? []);
  const hfEosIds = options.hfEosIds ?? generationEos;
  return { ids: generate(model, job.prompt, { ...options, eosIds, ...(hfEosIds ? { hfEosIds } : {}), ...(options.stopStrings ? { tokenizer } : {}) }) };
}

const answers = jobs.map((job) => {
  try {
    return answer(job);
  } catch (e) {
    if (isUserError(e)) return { error: String((e as Error).message) };
    throw e;
  }
});
fs.writeFileSync(answersFile, JSON.stringify(answers));
