// The standard deviation a new matrix is drawn with (a random model's weights, a new classification head): config.json's
// initializer_range as transformers 5.17 reads it where it draws (PreTrainedModel._init_weights: `initializer_range or
// 0.02`, so 0.0 draws with 0.02). A negative one, which transformers loads (it only matters to a new matrix) and then
// fails to draw with (torch: "normal expects std >= 0.0"), is refused here, where it is used, naming the key; so is
// one past float64's range (1e400 in the file), which would draw infinities.
import { UserError } from '../util/errors.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import type { MistralConfig } from './config.ts';

/** The std `what` (e.g. "a new classification head") is drawn with; `where`: the config.json (or config key) it came from. */
export function initStd(cfg: Pick<MistralConfig, 'initializerRange'>, what: string, where?: string): number {
  const range = cfg.initializerRange;
  if (range < 0) {
    throw new UserError(`initializer_range: ${range} is negative, and it is the standard deviation ${what} is drawn with (transformers fails there too: "normal expects std >= 0.0"): write a positive number (0.02 is transformers' default)`, where);
  }
  if (!Number.isFinite(range)) {
    throw new UserError(`initializer_range: ${boundedJsonText(range)} is not a finite number, and it is the standard deviation ${what} is drawn with: write a positive number (0.02 is transformers' default)`, where);
  }
  return range || 0.02;
}
