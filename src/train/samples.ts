// Generation samples on a few validation prompts, before and after training, for the report and the
// dashboard. A row's prompt is its tokens up to the first trained target (the whole prompt of a chat or
// prompt/completion example); for plain text, its first half.
import type { TokenRow } from '../data/batch.ts';
import { IGNORE_INDEX } from '../data/batch.ts';
import { generate, stopIds } from '../model/generate.ts';
import type { MistralModel } from '../model/mistral.ts';
import { hasToken } from '../tokenizer/model-fit.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { isQuiet } from '../util/log.ts';
import { Progress } from '../util/progress.ts';

export interface Sample {
  prompt: string;
  reference: string;
  before?: string;
  after?: string;
}

export interface SamplePrompt {
  ids: number[];
  sample: Sample;
}

export function samplePrompts(rows: readonly TokenRow[], count: number, tokenizer: Tokenizer): SamplePrompt[] {
  const out: SamplePrompt[] = [];
  for (const row of rows.slice(0, count)) {
    const ids = Array.from(row.inputIds);
    let cut = Math.max(1, Math.floor(ids.length / 2));
    if (row.labels) {
      const first = Array.from(row.labels).findIndex((l, t) => t > 0 && l !== IGNORE_INDEX);
      if (first > 0) cut = first;
    }
    out.push({ ids: ids.slice(0, cut), sample: { prompt: tokenizer.decode(ids.slice(0, cut)), reference: tokenizer.decode(ids.slice(cut)) } });
  }
  return out;
}

/** Greedy continuations of every prompt, stored under `key` of each sample. */
export function runSamples(model: MistralModel, prompts: readonly SamplePrompt[], tokenizer: Tokenizer, maxNewTokens: number, key: 'before' | 'after',
  generationEos?: readonly number[]): void {
  const eos = stopIds(model.cfg, tokenizer.eosId, generationEos);
  // many prompts (a large eval.samples, taken from the training rows when there is no val data) take minutes
  const progress = isQuiet() || prompts.length === 0 ? null : new Progress({ label: `samples ${key}`, total: prompts.length, unit: 'prompts' });
  for (const p of prompts) {
    // within the positions the model was made for (generate refuses more)
    const room = Math.max(0, model.cfg.maxPositionEmbeddings - p.ids.length);
    const ids = room === 0 ? [] : generate(model, p.ids, { maxNewTokens: Math.min(maxNewTokens, room), eosIds: eos });
    p.sample[key] = tokenizer.decode(ids.filter((id) => hasToken(tokenizer, id)));
    progress?.tick();
  }
  progress?.finish();
}
