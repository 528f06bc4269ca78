// The work of `mistral-tune generate`, on a thread of its own (generate.ts, command-thread.ts): text from a model
// (optionally with a LoRA adapter), with the chat template, streamed to stdout as tokens come, stopping at EOS. Its
// usage and the checks of its flags that read no model are generate-flags.ts's, made before this module loads.
import { generationSettings, readGenerationConfig, refuseBadFileValuesApplied, type GenerationConfigFile, type GivenGenerationOptions } from '../model/generation-config.ts';
import { refuseIdsPastVocab } from '../model/sequence-bias.ts';
import { withBackend } from '../backend/select.ts';
import { generate, stopIds } from '../model/generate.ts';
import { loadConfig } from '../model/config.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter, readAdapterInfo, seqClsBy } from '../model/peft.ts';
import { isClassificationOnly, isClassificationOnlyFolder } from '../model/task.ts';
import { FLAG_WORDS, readingTarget, resolveEvalTarget, type EvalTarget } from '../eval/target.ts';
import { requireModelTokenizer } from '../tokenizer/load.ts';
import { encodePrompt, readPromptFile } from '../tokenizer/prompt.ts';
import { hasToken } from '../tokenizer/model-fit.ts';
import { createTextStream } from '../tokenizer/stream.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import type { GenerateArgs, GenerateFlags } from './generate-flags.ts';

/** The refusal of a model that predicts labels: said before a backend starts where its files show it. */
const CLASSIFICATION_MODEL = 'a classification model (a score head, no LM head) predicts labels, not text: use mistral-tune classify for it';

/** How a run's weights folder replaced while generate read it is refused (readingTarget). */
const READER = { during: 'generate read it', then: 'nothing was generated; generate again' };

/** The whole command, on its own thread (generate.ts). */
export function generateCommand(args: GenerateArgs): void {
  const { f } = args;
  // a run's weights and tokenizer, as eval and classify take them (a classification run is refused)
  const target = resolveEvalTarget({ model: f.model, adapter: f.adapter, run: f.run, best: f.best }, FLAG_WORDS);
  // a run's weights read from one checkpoint, from the checks of their headers before a backend starts to their load
  readingTarget(target, READER, (weightsRead) => generateFrom(args, target, weightsRead));
}

/** The text generated with `target`; `weightsRead()` once its weights, tokenizer and generation config are read. */
function generateFrom({ f, given, seed, precision, device }: GenerateArgs, target: EvalTarget, weightsRead: () => void): void {
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
  // greedy decoding ignores them: said (once the settings are known), as transformers warns, rather than dropped without a word
  const unused = [...((given.topK ?? 0) > 0 ? ['--top-k'] : []), ...((given.topP ?? 1) < 1 ? ['--top-p'] : []), ...((given.minP ?? 0) > 0 ? ['--min-p'] : []),
    ...((given.epsilonCutoff ?? 0) > 0 ? ['--epsilon-cutoff'] : []), ...((given.typicalP ?? 1) < 1 ? ['--typical-p'] : []), ...((given.etaCutoff ?? 0) > 0 ? ['--eta-cutoff'] : [])];
  // the file's form and messages checked before a backend starts and the model loads (minutes for a 7B), not after
  const messages = f.messages !== undefined ? readPromptFile(f.messages) : undefined;
  // its keys checked before a backend starts, their ids against config.json's vocab_size as the flags' are
  const file = readGenerationConfig(modelDir);
  refuseBiasedIdsPastVocab(given, file, config.vocabSize);
  refuseBadFileValuesApplied(given, file);
  // the adapter's tensors against config.json's shapes (their header only), before a backend starts, a wrong one named as from modelDir
  if (target.adapter) readAdapterInfo(target.adapter, config.numLayers, config, modelDir);
  withBackend(device, (backend) => {
    const model = loadModel(modelDir, { backend, precision, config });
    if (target.adapter) loadAdapter(model, target.adapter, { trainable: false });
    if (isClassificationOnly(model)) {
      throw new UserError(CLASSIFICATION_MODEL, modelDir);
    }
    const tokenizer = requireModelTokenizer(target.tokenizerDir ?? modelDir, model.cfg.vocabSize, modelDir);
    const ids = promptIds(tokenizer, f, messages);
    const settings = generationSettings(given, file, ids.length, model.cfg.maxPositionEmbeddings);
    if (settings.temperature === 0) {
      const why = given.temperature === 0 ? 'with --temperature 0' : 'without --temperature (or do_sample true in generation_config.json)';
      if (unused.length > 0) warn(`${unused.join(' and ')} choose${unused.length === 1 ? 's' : ''} among tokens only when sampling: ${why} generation is greedy; give --temperature > 0 to sample`);
      if (f.seed !== undefined) warn(`--seed seeds sampling only: ${why} generation is greedy, the same for every seed; give --temperature > 0 to sample`);
    }
    if (settings.unsampledFromFile.length > 0) {
      warn(`${file.file}: ${settings.unsampledFromFile.join(', ')}: not applied, as in HF's generate(): the file does not say do_sample true, ` +
        'so generation is greedy; give --temperature > 0 to sample with them');
    }
    if (file.noEffect !== undefined) warn(`${file.file}: ${file.noEffect.join(', ')}: not applied, as in HF's generate()`);
    if (settings.unsupported.length > 0) warn(`${file.file}: ${settings.unsupported.join(', ')}: not applied (HF's generate() would; this one has no such setting)`);
    if (settings.fromFile.length > 0) info(`generate: from ${file.file}: ${settings.fromFile.join(', ')} (flags override)`);
    weightsRead();
    const stream = createTextStream(tokenizer, (text) => process.stdout.write(text));
    generate(model, ids, {
      maxNewTokens: settings.maxNewTokens, temperature: settings.temperature, topK: settings.topK, topP: settings.topP, minP: settings.minP, epsilonCutoff: settings.epsilonCutoff, typicalP: settings.typicalP, etaCutoff: settings.etaCutoff,
      sequenceBias: settings.sequenceBias, badWordsIds: settings.badWordsIds, suppressTokens: settings.suppressTokens, beginSuppressTokens: settings.beginSuppressTokens,
      stopStrings: settings.stopStrings, tokenizer,
      repetitionPenalty: settings.repetitionPenalty, noRepeatNgramSize: settings.noRepeatNgramSize, minNewTokens: settings.minNewTokens, seed, eosIds: stopIds(model.cfg, tokenizer.eosId, file.eosIds), hfEosIds: file.eosIds, padId: file.padId, onToken: (id) => {
        if (hasToken(tokenizer, id)) stream.push(id);
      },
    });
    stream.end();
    process.stdout.write('\n');
  });
}

/**
 * The ids of --bad-words-ids and --sequence-bias (else of generation_config.json's bad_words_ids and sequence_bias)
 * past the model's vocabulary, refused naming the flag or the file's key before a backend starts, where generate() would
 * refuse them once the model is loaded (as transformers' processors do).
 */
function refuseBiasedIdsPastVocab(given: GivenGenerationOptions, file: GenerationConfigFile, vocabSize: number): void {
  const lists = [
    ['bad-words-ids', 'bad_words_ids', given.badWordsIds, file.badWordsIds],
    ['sequence-bias', 'sequence_bias', given.sequenceBias?.map(([ids]) => ids), file.sequenceBias?.map(([ids]) => ids)],
  ] as const;
  for (const [flag, key, flagged, stated] of lists) {
    if (flagged !== undefined) refuseIdsPastVocab(flagged, vocabSize, `--${flag}`);
    else if (stated !== undefined) refuseIdsPastVocab(stated, vocabSize, key, file.file ?? undefined);
  }
}

/** The prompt's token ids; a message the chat template's rules refuse (`messages[1].role`) is named in the --messages file. */
function promptIds(tokenizer: Tokenizer, f: GenerateFlags, messages: ReturnType<typeof readPromptFile> | undefined): number[] {
  if (f.raw) return encodePrompt(tokenizer, { raw: f.prompt! });
  if (messages === undefined) return encodePrompt(tokenizer, { messages: [{ role: 'user', content: f.prompt! }] });
  try {
    return encodePrompt(tokenizer, messages);
  } catch (e) {
    if (e instanceof UserError && e.where?.startsWith('messages')) throw new UserError(e.what, `${f.messages}: ${e.where}`);
    throw e;
  }
}
