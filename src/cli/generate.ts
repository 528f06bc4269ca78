// mistral-tune generate: text from a model (optionally with a LoRA adapter), with the chat template,
// streamed to stdout as tokens come, stopping at EOS.
import { generationSettings, readGenerationConfig } from '../model/generation-config.ts';
import { parsePrecision } from '../backend/dtype.ts';
import { withBackend } from '../backend/select.ts';
import { generate, stopIds } from '../model/generate.ts';
import { loadConfig } from '../model/config.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter, seqClsBy } from '../model/peft.ts';
import { isClassificationOnly, isClassificationOnlyFolder } from '../model/task.ts';
import { FLAG_WORDS, resolveEvalTarget } from '../eval/target.ts';
import { requireModelTokenizer } from '../tokenizer/load.ts';
import { encodePrompt, readMessagesFile } from '../tokenizer/prompt.ts';
import { createTextStream } from '../tokenizer/stream.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import { dataFileOption, deviceOption, intOption, numberOption, parseCommand } from './args.ts';

export const usage = `mistral-tune generate (--model DIR [--adapter DIR] | --run RUN_DIR [--best]) (--prompt TEXT | --messages FILE) [options]

  --model DIR            HF model folder (its tokenizer.json, or the bundled Mistral tokenizer)
  --adapter DIR          a PEFT LoRA adapter (e.g. RUN_DIR/adapter)
  --run DIR              a generation training run: its base model and adapter (or its model/), and tokenizer
  --best                 with --run: the weights of the lowest val loss (best/) instead of the last step's
  --prompt TEXT          one user message, rendered with the chat template
  --messages FILE        a JSON file [{"role": "system"|"user"|"assistant", "content": "..."}, ...] (or {"messages": [...]});
                         ending with an assistant message, the model continues its text
  --raw                  use --prompt as plain text (BOS + text), without the chat template
  --max-new-tokens N     default: generation_config.json's max_new_tokens (or its max_length less the prompt),
                         else 256 or as many as the model's context leaves after the prompt
  --temperature T        0 = greedy (default, unless generation_config.json says do_sample: true, when its
                         temperature, or 1, is the default)
  --top-k K              keep the K most likely tokens (0 = off; default: generation_config.json's top_k when
                         it samples, else 0)
  --top-p P              nucleus sampling (1 = off; default: generation_config.json's top_p when it samples, else 1)
  --repetition-penalty R transformers' repetition_penalty: the logits of tokens already in the text (prompt
                         included) are divided by R (multiplied where negative); 1 = off, 1.1–1.3 curbs loops
                         (default: generation_config.json's repetition_penalty, else 1)
  --seed S               sampling seed (default 0)
  --device NAME          auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P          bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)

The model folder's generation_config.json gives defaults as HF's generate() takes them: eos_token_id (an id or
a list, stops generation beside config.json's and the tokenizer's EOS), do_sample, temperature, top_k, top_p,
repetition_penalty, max_new_tokens and max_length; the flags override each, and those taken are said on stderr.
A key it leaves out keeps the default above (not HF's max_length 20 or top_k 50); pad_token_id and bos_token_id
are not read (one sequence is never padded; the tokenizer's BOS starts the prompt); settings generate has not
(num_beams, min_p, ...) are warned of when set, and not applied. A value of the wrong type or range is an error.`;

/** The refusal of a model that predicts labels: said before a backend starts where its files show it. */
const CLASSIFICATION_MODEL = 'a classification model (a score head, no LM head) predicts labels, not text: use mistral-tune classify for it';

interface Flags {
  model?: string; adapter?: string; run?: string; best?: boolean; prompt?: string; messages?: string; raw?: boolean; 'max-new-tokens'?: string;
  temperature?: string; 'top-k'?: string; 'top-p'?: string; 'repetition-penalty'?: string; seed?: string; device?: string; precision?: string; help?: boolean;
}

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<Flags>('generate', argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, best: { type: 'boolean' }, prompt: { type: 'string' }, messages: { type: 'string' },
    raw: { type: 'boolean' }, 'max-new-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' },
    'top-p': { type: 'string' }, 'repetition-penalty': { type: 'string' }, seed: { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, help: { type: 'boolean' },
  });
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  // a run's weights and tokenizer, as eval and classify take them (a classification run is refused)
  const target = resolveEvalTarget({ model: f.model, adapter: f.adapter, run: f.run, best: f.best }, FLAG_WORDS);
  const modelDir = target.model;
  // the run's config.yaml says it: refused before a backend starts, not once its adapter or model is loaded
  if (f.run !== undefined && target.task === 'classification') {
    throw new UserError('a classification run (task: classification) predicts labels, not text: use mistral-tune classify --run for it', f.run);
  }
  const config = loadConfig(modelDir); // a config.json refused before a backend starts; read once, so its warnings are said once
  // as its adapter_config.json (or saved score head) says, read without a backend
  const seqCls = target.adapter !== null ? seqClsBy(target.adapter) : null;
  if (seqCls !== null) {
    const by = seqCls === 'task_type' ? 'task_type SEQ_CLS' : 'a saved score head';
    throw new UserError(`a classification adapter (${by}) predicts labels, not text: use mistral-tune classify ${f.run ? '--run' : '--adapter'} for it`, target.adapter ?? undefined);
  }
  // as its safetensors header says, read without a backend (isClassificationOnly of the loaded model, below, says the same)
  if (isClassificationOnlyFolder(modelDir, config)) throw new UserError(CLASSIFICATION_MODEL, modelDir);
  if ((f.prompt === undefined) === (f.messages === undefined)) throw new UserError('give exactly one of --prompt or --messages (see mistral-tune generate --help)');
  if (f.messages !== undefined) dataFileOption('messages', f.messages, 'messages.json');
  // each undefined where the flag is not given: generation_config.json's value, else ours (generationSettings)
  const given = {
    temperature: flagNumber('temperature', f.temperature), topP: flagNumber('top-p', f['top-p']), repetitionPenalty: flagNumber('repetition-penalty', f['repetition-penalty']),
    maxNewTokens: f['max-new-tokens'] === undefined ? undefined : intOption('max-new-tokens', f['max-new-tokens'], 0),
    topK: f['top-k'] === undefined ? undefined : intOption('top-k', f['top-k'], 0, 0),
  };
  if (given.temperature !== undefined && given.temperature < 0) throw new UserError('--temperature must be ≥ 0');
  if (given.topP !== undefined && !(given.topP > 0 && given.topP <= 1)) throw new UserError('--top-p must be in (0, 1]');
  if (given.repetitionPenalty !== undefined && !(given.repetitionPenalty > 0)) throw new UserError('--repetition-penalty must be > 0 (1 = off)');
  const seed = intOption('seed', f.seed, 0, 0);
  // greedy decoding ignores them: said (once the settings are known), as transformers warns, rather than dropped without a word
  const unused = [...((given.topK ?? 0) > 0 ? ['--top-k'] : []), ...((given.topP ?? 1) < 1 ? ['--top-p'] : [])];
  const precision = parsePrecision(f.precision), device = deviceOption(f.device); // bad flags before the backend starts and says what it found
  if (f.raw && f.prompt === undefined) throw new UserError('--raw needs --prompt');
  withBackend(device, (backend) => {
    const model = loadModel(modelDir, { backend, precision, config });
    if (target.adapter) loadAdapter(model, target.adapter, { trainable: false });
    if (isClassificationOnly(model)) {
      throw new UserError(CLASSIFICATION_MODEL, modelDir);
    }
    const tokenizer = requireModelTokenizer(target.tokenizerDir ?? modelDir, model.cfg.vocabSize, modelDir);
    const ids = promptIds(tokenizer, f);
    const file = readGenerationConfig(modelDir);
    const settings = generationSettings(given, file, ids.length, model.cfg.maxPositionEmbeddings);
    if (settings.temperature === 0 && unused.length > 0) {
      const why = given.temperature === 0 ? 'with --temperature 0' : 'without --temperature (or do_sample true in generation_config.json)';
      warn(`${unused.join(' and ')} choose${unused.length === 1 ? 's' : ''} among tokens only when sampling: ${why} generation is greedy; give --temperature > 0 to sample`);
    }
    if (file.unsupported.length > 0) warn(`${file.file}: ${file.unsupported.join(', ')}: not applied (HF's generate() would; this one has no such setting)`);
    if (settings.fromFile.length > 0) info(`generate: from ${file.file}: ${settings.fromFile.join(', ')} (flags override)`);
    const stream = createTextStream(tokenizer, (text) => process.stdout.write(text));
    generate(model, ids, {
      maxNewTokens: settings.maxNewTokens, temperature: settings.temperature, topK: settings.topK, topP: settings.topP,
      repetitionPenalty: settings.repetitionPenalty, seed, eosIds: stopIds(model.cfg, tokenizer.eosId, file.eosIds), onToken: (id) => stream.push(id),
    });
    stream.end();
    process.stdout.write('\n');
  });
}

/** A number flag's value, or undefined where it is not given. */
function flagNumber(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : numberOption(flag, value, 0);
}

/** The prompt's token ids; a message the chat template's rules refuse (`messages[1].role`) is named in the --messages file. */
function promptIds(tokenizer: Tokenizer, f: Flags): number[] {
  if (f.raw) return encodePrompt(tokenizer, { raw: f.prompt! });
  if (f.messages === undefined) return encodePrompt(tokenizer, { messages: [{ role: 'user', content: f.prompt! }] });
  try {
    return encodePrompt(tokenizer, { messages: readMessagesFile(f.messages) });
  } catch (e) {
    if (e instanceof UserError && e.where?.startsWith('messages')) throw new UserError(e.what, `${f.messages}: ${e.where}`);
    throw e;
  }
}
