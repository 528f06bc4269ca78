// What the run panel says of best/: the val loss its weights had, as train's best/evaluation.json records it. That is
// the lowest val loss evaluated after step 0 (HF's eval_on_start baseline counts for neither) unless best/ was lost and
// started again by a resume, from a later evaluation: then the lowest is said beside it. A best/ deleted or moved is
// said to be gone (one the dashboard saw); one it never saw (a run that never had one, or lost it before the dashboard
// started) is said to be missing, beside the lowest val loss; a run of an older version (no evaluation.json) is taken to
// hold the lowest.
// Losses of two val sets are not compared: a resume whose val data changed (prepare run again) starts best/ and
// early stopping afresh on the new set, and each val row carries its set's hash (data_fingerprint), so the lowest is
// taken over the rows of the newest row's set, and the change is said. HF's Trainer keeps one best_metric over the run
// whatever it was measured on; train does not, and neither does this panel. Rows without the hash (an older version's)
// cannot be told apart and count as the newest set's.
import { fmt } from './dom.js';

/**
 * `val`: the run's val rows with a numeric loss, in file order; `best`: the files event's {folder, seen, evaluation} (null
 * before the first). Returns the panel's words, or null before the first val evaluation after step 0.
 */
export function bestValText(val, best) {
  const set = valSetOf(val);
  const lowest = val.filter((x) => x.step > 0 && set.holds(x)).reduce((b, x) => (b === null || x.loss < b.loss ? x : b), null);
  const changed = set.changedBefore === null ? null : `the val data changed before step ${set.changedBefore}: losses before it, of other val data, not compared`;
  const held = best && best.evaluation;
  if (held) {
    // written before its row is appended (train's order): until the row is in, its set is unknown, so nothing is compared
    if (val.length === 0 || held.step > val[val.length - 1].step) return `best val ${fmt(held.loss)} at step ${held.step}`;
    const heldRow = val.findLast((x) => x.step === held.step);
    if (heldRow && !set.holds(heldRow)) { // best/ kept from the val data before the change (the run evaluates no more)
      return `best val ${fmt(held.loss)} at step ${held.step} on the val data before it changed (best/; ${changed}` +
        `${lowest !== null ? `; the lowest since, ${fmt(lowest.loss)} at step ${lowest.step}` : ''})`;
    }
    const notes = [];
    if (lowest !== null && lowest.loss < held.loss) notes.push(`best/; the lowest, ${fmt(lowest.loss)} at step ${lowest.step}, was lost with an earlier best/`);
    if (changed) notes.push(changed);
    return `best val ${fmt(held.loss)} at step ${held.step}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  }
  if (lowest === null) return null;
  const also = changed ? ` (${changed})` : '';
  if (best && !best.folder && best.seen) return `best/ is gone (deleted or moved): the lowest val loss was ${fmt(lowest.loss)} at step ${lowest.step}${also}`;
  // not "best val": that is what best/ holds, and there is none to hold it (nor is it said to be gone: it may never have been)
  if (best && !best.folder) return `no best/: the lowest val loss was ${fmt(lowest.loss)} at step ${lowest.step}${also}`;
  return `best val ${fmt(lowest.loss)} at step ${lowest.step}${also}`;
}

/**
 * The val set of the newest row (its data_fingerprint): `holds(row)` whether a row is of it (a row without a hash is
 * taken to be), and `changedBefore` the step of its first row after the last of another set (null when none is).
 */
function valSetOf(val) {
  const newest = val.length > 0 ? val[val.length - 1].data_fingerprint : undefined;
  const holds = (x) => newest === undefined || x.data_fingerprint === undefined || x.data_fingerprint === newest;
  const lastOther = val.findLastIndex((x) => !holds(x));
  return { holds, changedBefore: lastOther < 0 ? null : val[lastOther + 1].step };
}
