// mistral-tune generate's usage and the checks of its flags that read no model: made before generate.ts (the backend,
// the model, the tokenizer) loads, so that a mistake in them is said at the cost of the CLI's own modules.
import { parsePrecision, type Precision } from '../backend/dtype.ts';
import type { DeviceName } from '../backend/select.ts';
import { requireOneTarget } from '../eval/target-args.ts';
import type { GivenGenerationOptions } from '../model/generation-config.ts';
import { GENERATION_KEY_CHECKS } from '../model/generation-key-checks.ts';
import type { SequenceBias } from '../model/sequence-bias.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { dataFileOption, deviceOption, intOption, numberWithin, parseCommand } from './args.ts';

export const usage = `mistral-tune generate (--model DIR [--adapter DIR] | --adapter DIR | --run RUN_DIR [--best]) (--prompt TEXT | --messages FILE) [options]

  --model DIR            HF model folder (its tokenizer.json, or the bundled Mistral tokenizer)
  --adapter DIR          a PEFT LoRA adapter (e.g. RUN_DIR/adapter); without --model, over the base its
                         adapter_config.json's base_model_name_or_path names, where that is a model folder
                         from here (as AutoPeftModelForCausalLM loads it)
  --run DIR              a generation training run: its base model and adapter (or its model/), and tokenizer
  --best                 with --run: the weights of the lowest val loss (best/) instead of the last step's
  --prompt TEXT          one user message, rendered with the chat template
  --messages FILE        a JSON file [{"role": "system"|"user"|"assistant", "content": "..."}, ...] (or {"messages": [...]},
                         a chat record: its "tools" and its "chat_template_kwargs", extra template variables such as
                         {"enable_thinking": false}, are rendered as apply_chat_template(..., **kwargs) renders them);
                         ending with an assistant message, the model continues its text
  --raw                  use --prompt as plain text (BOS + text), without the chat template
  --max-new-tokens N     default: generation_config.json's max_new_tokens (or its max_length less the prompt),
                         else 256 or as many as the model's context leaves after the prompt
  --temperature T        0 = greedy (default, unless generation_config.json says do_sample: true, when its
                         temperature, or 1, is the default)
  --top-k K              keep the K most likely tokens (0 = off; default: generation_config.json's top_k when
                         it samples, else 0)
  --top-p P              nucleus sampling (1 = off; default: generation_config.json's top_p when it samples, else 1)
  --min-p P              keep the tokens at least P times as likely as the most likely one (0 = off; default:
                         generation_config.json's min_p when it samples, else 0)
  --epsilon-cutoff E     keep the tokens of probability ≥ E, the most likely always (0 = off; default:
                         generation_config.json's epsilon_cutoff when it samples, else 0)
  --typical-p P          typical sampling: the tokens whose surprise is closest to the entropy, up to mass P
                         (1 = off; default: generation_config.json's typical_p when it samples, else 1)
  --eta-cutoff E         keep the tokens of probability ≥ min(E, √E·e^−entropy), the most likely always
                         (0 = off; default: generation_config.json's eta_cutoff when it samples, else 0)
  --bad-words-ids JSON   transformers' bad_words_ids, token-id lists never generated, e.g. '[[5], [7, 8]]' (a
                         one-token one that is an EOS id is left out, as in HF; default: generation_config.json's)
  --suppress-tokens JSON transformers' suppress_tokens: ids never generated, e.g. '[5, 9]' (default: the file's)
  --begin-suppress-tokens JSON
                         transformers' begin_suppress_tokens: ids not generated first, e.g. '[5]'
                         (default: the file's)
  --sequence-bias JSON   transformers' sequence_bias: [ids, bias] pairs added to the logit of each sequence's last id
                         where the text ends with the rest, e.g. '[[[5], -2.5], [[7, 8], 1.0]]' (default: the file's)
  --stop-strings JSON    transformers' stop_strings, e.g. '["\\n\\n", "User:"]' (or one JSON string): generation
                         ends after the token where one ends, that token kept; matched on the tokens' texts as
                         HF's StopStringCriteria does (one only in the prompt does not stop it; default: the file's)
  --repetition-penalty R transformers' repetition_penalty: the logits of tokens already in the text (prompt
                         included) are divided by R (multiplied where negative); 1 = off, 1.1–1.3 curbs loops
                         (default: generation_config.json's repetition_penalty, else 1)
  --no-repeat-ngram-size N
                         transformers' no_repeat_ngram_size: no N tokens in a row (prompt included) come twice
                         (0 = off; default: generation_config.json's, else 0)
  --min-new-tokens N     transformers' min_new_tokens: no EOS before N new tokens (0 = off; default:
                         generation_config.json's min_new_tokens, or its min_length less the prompt, else 0)
  --seed S               sampling seed (default 0)
  --device NAME          auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P          bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)

The model folder's generation_config.json (without one, config.json's generation keys, as HF's from_pretrained takes
them) gives defaults as HF's generate() takes them: eos_token_id (an id or a list, stops generation beside
the tokenizer's EOS; config.json's not beside the file), do_sample, temperature, top_k, top_p, min_p, typical_p, epsilon_cutoff,
eta_cutoff, repetition_penalty, no_repeat_ngram_size, min_new_tokens, min_length, max_new_tokens, max_length,
sequence_bias, bad_words_ids, suppress_tokens, begin_suppress_tokens and stop_strings; the flags override each, and
those taken are said on stderr; its temperature, top_k, top_p, min_p, typical_p, epsilon_cutoff and eta_cutoff without
do_sample true are warned of, unused (greedy, as in HF). A key it leaves out keeps the default above (not HF's
max_length 20 or top_k 50); a prompt holding the pad_token_id (no EOS id nor the BOS) is refused, as HF's generate()
masks that token out of it; bos_token_id is not read (the tokenizer's BOS starts the prompt); settings generate has not
(num_beams, max_time, ...) are warned of when set, and not applied (top_h, sampling-only, where generation
samples). A value of the wrong type or range is an error (a sampling setting's range, such as top_k -1, only where
generation samples: else it is warned of, unused, as HF's greedy generate() warns), and so is a number of the kind
HF's generate() refuses where it applies it (repetition_penalty 2 for 2.0, top_k 5.0 for 5).`;

export interface GenerateFlags {
  model?: string; adapter?: string; run?: string; best?: boolean; prompt?: string; messages?: string; raw?: boolean; 'max-new-tokens'?: string;
  'no-repeat-ngram-size'?: string; 'min-new-tokens'?: string; 'typical-p'?: string; 'eta-cutoff'?: string;
  'bad-words-ids'?: string; 'suppress-tokens'?: string; 'begin-suppress-tokens'?: string; 'sequence-bias'?: string; 'stop-strings'?: string;
  temperature?: string; 'top-k'?: string; 'top-p'?: string; 'min-p'?: string; 'epsilon-cutoff'?: string; 'repetition-penalty'?: string; seed?: string; device?: string; precision?: string; help?: boolean;
}

/** generate's flags, their values checked (`given`: each undefined where its flag is not; generation_config.json's else). */
export interface GenerateArgs {
  f: GenerateFlags;
  given: GivenGenerationOptions;
  seed: number;
  precision: Precision;
  device: DeviceName;
}

/**
 * generate's flags checked in its order, up to the run or model folder that resolveEvalTarget reads: every value before
 * any file is read (a bad --top-p was said after the model folder's checks, and after a bad --model); null: -h.
 */
export function parse(argv: string[]): GenerateArgs | null {
  const { values: f } = parseCommand<GenerateFlags>('generate', argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, best: { type: 'boolean' }, prompt: { type: 'string' }, messages: { type: 'string' },
    raw: { type: 'boolean' }, 'max-new-tokens': { type: 'string' }, 'no-repeat-ngram-size': { type: 'string' }, 'min-new-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' },
    'top-p': { type: 'string' }, 'min-p': { type: 'string' }, 'epsilon-cutoff': { type: 'string' }, 'repetition-penalty': { type: 'string' },
    'typical-p': { type: 'string' }, 'eta-cutoff': { type: 'string' }, 'bad-words-ids': { type: 'string' }, 'suppress-tokens': { type: 'string' },
    'begin-suppress-tokens': { type: 'string' }, 'sequence-bias': { type: 'string' }, 'stop-strings': { type: 'string' }, seed: { type: 'string' }, device: { type: 'string' }, precision: { type: 'string' }, help: { type: 'boolean' },
  });
  if (f.help) return null;
  // which weights: the first of generate's checks, resolveEvalTarget's, before it reads them
  requireOneTarget(f, FLAG_WORDS);
  if ((f.prompt === undefined) === (f.messages === undefined)) throw new UserError('give exactly one of --prompt or --messages (see mistral-tune generate --help)');
  const given: GivenGenerationOptions = {
    temperature: numberWithin('temperature', f.temperature, (n) => n >= 0, '≥ 0'),
    topP: numberWithin('top-p', f['top-p'], (n) => n >= 0 && n <= 1, 'in [0, 1]'),
    minP: numberWithin('min-p', f['min-p'], (n) => n >= 0 && n <= 1, 'in [0, 1] (0 = off)'),
    epsilonCutoff: numberWithin('epsilon-cutoff', f['epsilon-cutoff'], (n) => n >= 0 && n < 1, 'in [0, 1) (0 = off)'),
    repetitionPenalty: numberWithin('repetition-penalty', f['repetition-penalty'], (n) => n > 0, '> 0 (1 = off)'),
    maxNewTokens: f['max-new-tokens'] === undefined ? undefined : intOption('max-new-tokens', f['max-new-tokens'], 0),
    topK: f['top-k'] === undefined ? undefined : intOption('top-k', f['top-k'], 0, 0),
    noRepeatNgramSize: f['no-repeat-ngram-size'] === undefined ? undefined : intOption('no-repeat-ngram-size', f['no-repeat-ngram-size'], 0, 0),
    minNewTokens: f['min-new-tokens'] === undefined ? undefined : intOption('min-new-tokens', f['min-new-tokens'], 0, 0),
    typicalP: numberWithin('typical-p', f['typical-p'], (n) => n > 0 && n <= 1, 'in (0, 1] (1 = off)'),
    etaCutoff: numberWithin('eta-cutoff', f['eta-cutoff'], (n) => n >= 0 && n < 1, 'in [0, 1) (0 = off)'),
    badWordsIds: jsonFlag('bad-words-ids', f['bad-words-ids'], 'bad_words_ids') as number[][] | undefined,
    suppressTokens: jsonFlag('suppress-tokens', f['suppress-tokens'], 'suppress_tokens') as number[] | undefined,
    beginSuppressTokens: jsonFlag('begin-suppress-tokens', f['begin-suppress-tokens'], 'begin_suppress_tokens') as number[] | undefined,
    sequenceBias: jsonFlag('sequence-bias', f['sequence-bias'], 'sequence_bias') as SequenceBias[] | undefined,
    stopStrings: ((v: unknown) => (typeof v === 'string' ? [v] : v))(jsonFlag('stop-strings', f['stop-strings'], 'stop_strings')) as string[] | undefined,
  };
  const seed = intOption('seed', f.seed, 0, 0);
  const precision = parsePrecision(f.precision), device = deviceOption(f.device); // before the backend starts and says what it found
  if (f.raw && f.prompt === undefined) throw new UserError('--raw needs --prompt');
  // the first file read: the messages file (its form and messages are read on the thread, before the model loads)
  if (f.messages !== undefined) dataFileOption('messages', f.messages, 'messages.json', false);
  return { f, given, seed, precision, device };
}

/** A JSON flag's value checked as generation_config.json's `key` is, or undefined where it is not given. */
function jsonFlag(flag: string, value: string | undefined, key: keyof typeof GENERATION_KEY_CHECKS): unknown {
  if (value === undefined) return undefined;
  const [ok, want] = GENERATION_KEY_CHECKS[key];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UserError(`--${flag} must be JSON: ${want}, got ${JSON.stringify(value)}`);
  }
  if (!ok(parsed)) throw new UserError(`--${flag} must be ${want}, got ${value}`);
  return parsed;
}
