// The trainer's data: each split file (a prepare output, any raw file and shape prepare accepts, or
// pre-tokenized JSONL) tokenized with the model's tokenizer and the config's masking and length policy.
import { loadTokenRows } from '../data/load-rows.ts';
import type { LabelValue } from '../data/labels.ts';
import type { TokenRow } from '../model/batch.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { info } from '../util/log.ts';
import type { TrainConfig } from './config.ts';

export interface SplitContext {
  cfg: TrainConfig;
  /** The model's tokenizer, or null when its vocabulary does not fit the model (pre-tokenized data only). */
  tokenizer: Tokenizer | null;
  vocabSize: number;
}

export function loadSplit(file: string, key: string, ctx: SplitContext): TokenRow[] {
  const { cfg } = ctx;
  const classes: LabelValue[] | undefined = cfg.labels ? classesFor(cfg.labels) : undefined;
  const r = loadTokenRows(file, {
    tokenizer: ctx.tokenizer, vocabSize: ctx.vocabSize, task: cfg.task, labels: classes,
    trainOn: cfg.data.train_on, maxSeqLen: cfg.max_seq_len, overflow: cfg.overflow,
  });
  const notes = [r.stats.truncated ? `${r.stats.truncated} truncated to ${cfg.max_seq_len} tokens` : '', r.stats.dropped ? `${r.stats.dropped} dropped (too long, or nothing to train)` : ''].filter(Boolean);
  info(`${key}: ${r.rows.length} examples, ${r.stats.tokens.toLocaleString('en')} tokens${notes.length ? ` (${notes.join('; ')})` : ''} from ${file}`);
  return r.rows;
}

/** The config's class names; a name written as an integer stays that integer (prepare's canonical labels). */
function classesFor(labels: readonly string[]): LabelValue[] {
  return labels.map((l) => (/^(0|[1-9][0-9]{0,14})$/.test(l.trim()) ? Number(l) : l.normalize('NFC').trim()));
}
