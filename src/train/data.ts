// The trainer's data: a split file (a prepare output, any shape prepare accepts, or pre-tokenized JSONL)
// turned into token rows with the config's sequence-length policy.
import type { TokenRow } from '../model/batch.ts';
import { readPretokenized } from '../data/pretokenized.ts';
import { UserError } from '../util/errors.ts';
import type { TrainConfig } from './config.ts';

export interface SplitContext {
  cfg: TrainConfig;
  vocabSize: number;
  labels: readonly string[] | null;
}

export function loadSplit(file: string, key: string, ctx: SplitContext): TokenRow[] {
  const rows: TokenRow[] = [];
  const { max_seq_len: maxLen, overflow, task } = ctx.cfg;
  let dropped = 0;
  for (const row of readPretokenized(file, ctx.vocabSize)) {
    if (task === 'classification' && (row.label === undefined || row.label >= (ctx.labels?.length ?? 0))) {
      throw new UserError(`${key}: a classification row needs "label", a class index below ${ctx.labels?.length ?? 0}`, `${file}:${row.line}`);
    }
    if (row.inputIds.length > maxLen) {
      if (overflow === 'drop') {
        dropped++;
        continue;
      }
      rows.push({ ...row, inputIds: row.inputIds.slice(0, maxLen), labels: row.labels ? row.labels.slice(0, maxLen) : row.labels });
      continue;
    }
    rows.push(row);
  }
  if (dropped) process.stderr.write(`${key}: dropped ${dropped} rows longer than max_seq_len ${maxLen} (overflow: drop)\n`);
  return rows;
}
