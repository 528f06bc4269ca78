// What the run panel says of best/: the val loss its weights had, as train's best/evaluation.json records it. That is
// the lowest val loss evaluated after step 0 (HF's eval_on_start baseline counts for neither) unless best/ was lost and
// started again by a resume, from a later evaluation: then the lowest is said beside it. A best/ deleted or moved is
// said to be gone; a run of an older version (no evaluation.json) is taken to hold the lowest.
import { fmt } from './dom.js';

/**
 * `val`: the run's val rows with a numeric loss; `best`: the files event's {folder, evaluation} (null before the first).
 * Returns the panel's words, or null before the first val evaluation after step 0.
 */
export function bestValText(val, best) {
  const lowest = val.filter((x) => x.step > 0).reduce((b, x) => (b === null || x.loss < b.loss ? x : b), null);
  const held = best && best.evaluation;
  if (held) {
    const apart = lowest !== null && lowest.loss < held.loss;
    return `best val ${fmt(held.loss)} at step ${held.step}${apart ? ` (best/; the lowest, ${fmt(lowest.loss)} at step ${lowest.step}, was lost with an earlier best/)` : ''}`;
  }
  if (lowest === null) return null;
  if (best && !best.folder) return `best/ is gone (deleted or moved): the lowest val loss was ${fmt(lowest.loss)} at step ${lowest.step}`;
  return `best val ${fmt(lowest.loss)} at step ${lowest.step}`;
}

