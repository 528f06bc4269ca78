// mistral-tune generate: text from a model (optionally with a LoRA adapter), with the chat template,
// streamed to stdout as tokens come, stopping at EOS.
import { generationEosIds } from '../model/generation-config.ts';
import { parsePrecision } from '../backend/dtype.ts';
import { withBackend } from '../backend/select.ts';
import { generate, stopIds } from '../model/generate.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter } from '../model/peft.ts';
import { isClassificationOnly } from '../model/task.ts';
import { resolveEvalTarget } from '../eval/target.ts';
import { requireModelTokenizer } from '../tokenizer/load.ts';
import { encodePrompt, readMessagesFile } from '../tokenizer/prompt.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
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
  --max-new-tokens N     default 256
  --temperature T        0 (default) = greedy
  --top-k K              keep the K most likely tokens (0 = off)
  --top-p P              nucleus sampling (1 = off)
  --repetition-penalty R transformers' repetition_penalty: the logits of tokens already in the text (prompt
                         included) are divided by R (multiplied where negative); 1 (default) = off, 1.1–1.3 curbs loops
  --seed S               sampling seed (default 0)
  --device NAME          auto, cpu or cuda (default auto: CUDA when its driver and a GPU load, else the CPU)
  --precision P          bf16, fp32 or auto (default: bf16 on CUDA, fp32 on the CPU)`;

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
  // a run's weights and tokenizer, as eval and classify take them (a classification run is refused below)
  const target = resolveEvalTarget({ model: f.model, adapter: f.adapter, run: f.run, best: f.best });
  const modelDir = target.model;
  if ((f.prompt === undefined) === (f.messages === undefined)) throw new UserError('give exactly one of --prompt or --messages (see mistral-tune generate --help)');
  if (f.messages !== undefined) dataFileOption('messages', f.messages, 'messages.json');
  const temperature = numberOption('temperature', f.temperature, 0);
  const topP = numberOption('top-p', f['top-p'], 1);
  if (temperature < 0) throw new UserError('--temperature must be ≥ 0');
  if (!(topP > 0 && topP <= 1)) throw new UserError('--top-p must be in (0, 1]');
  const repetitionPenalty = numberOption('repetition-penalty', f['repetition-penalty'], 1);
  if (!(repetitionPenalty > 0)) throw new UserError('--repetition-penalty must be > 0 (1 = off)');
  const maxNewTokens = intOption('max-new-tokens', f['max-new-tokens'], 256);
  const topK = intOption('top-k', f['top-k'], 0, 0), seed = intOption('seed', f.seed, 0, 0);
  // greedy decoding ignores them: said, as transformers warns, rather than dropped without a word
  const unused = [...(topK > 0 ? ['--top-k'] : []), ...(topP < 1 ? ['--top-p'] : [])];
  if (temperature === 0 && unused.length > 0) {
    warn(`${unused.join(' and ')} choose${unused.length === 1 ? 's' : ''} among tokens only when sampling: with --temperature 0 (the default) generation is greedy; give --temperature > 0 to sample`);
  }
  const precision = parsePrecision(f.precision), device = deviceOption(f.device); // bad flags before the backend starts and says what it found
  if (f.raw && f.prompt === undefined) throw new UserError('--raw needs --prompt');
  withBackend(device, (backend) => {
    const model = loadModel(modelDir, { backend, precision });
    if (target.adapter && loadAdapter(model, target.adapter, { trainable: false }).taskType === 'SEQ_CLS') {
      throw new UserError(`a classification adapter (task_type SEQ_CLS) predicts labels, not text: use mistral-tune classify ${f.run ? '--run' : '--adapter'} for it`, target.adapter);
    }
    if (isClassificationOnly(model)) {
      throw new UserError('a classification model (a score head, no LM head) predicts labels, not text: use mistral-tune classify for it', modelDir);
    }
    const tokenizer = requireModelTokenizer(target.tokenizerDir ?? modelDir, model.cfg.vocabSize, modelDir);
    const ids = promptIds(tokenizer, f);
    const out: number[] = [];
    let shown = '';
    generate(model, ids, {
      maxNewTokens, temperature, topK, topP, repetitionPenalty, seed,
      eosIds: stopIds(model.cfg, tokenizer.eosId, generationEosIds(modelDir)),
      onToken: (id) => {
        out.push(id);
        const full = tokenizer.decode(out);
        // print only complete characters: a byte-fallback sequence may still be half a character
        if (!full.endsWith('\uFFFD') && full.startsWith(shown)) {
          process.stdout.write(full.slice(shown.length));
          shown = full;
        }
      },
    });
    const full = tokenizer.decode(out);
    if (full.startsWith(shown)) process.stdout.write(full.slice(shown.length));
    process.stdout.write('\n');
  });
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
