// The refusal of a run whose rows reach past a dynamic rope's max_position_embeddings. transformers rescales dynamic
// rope per forward by the batch's reach (its largest position + 1): a padded batch's longest row, a packed one's longest
// sample (positions restart at each), never max_seq_len itself. So rows within max_position_embeddings train as
// transformers trains them (plain rope's frequencies) whatever max_seq_len is; rows past it are refused.
import type { TokenRow } from '../data/batch.ts';
import type { MistralConfig } from '../model/config.ts';
import { dynamicRopeRefusal } from '../model/rope-config.ts';
import { keyError } from './config-paths.ts';
import type { TrainConfig } from './config.ts';

/** Throws, at max_seq_len's place, where the loaded rows (cut to max_seq_len) reach past a dynamic rope's max_position_embeddings. */
export function checkDynamicRopeReach(cfg: TrainConfig, model: MistralConfig, splits: ReadonlyArray<readonly TokenRow[] | null>, v: (key: string) => string, place?: (key: string) => string): void {
  if (model.ropeScaling?.type !== 'dynamic') return;
  let longest = 0;
  for (const rows of splits) for (const r of rows ?? []) longest = Math.max(longest, Math.min(r.inputIds.length, cfg.max_seq_len));
  const why = dynamicRopeRefusal(model, longest, `set max_seq_len to ${model.maxPositionEmbeddings} or less`);
  if (why) throw keyError('max_seq_len', `${v('max_seq_len')}: rows of up to ${longest} tokens: ${why}`, place);
}
