// Which config changes a resume refuses (resumeChanges): a path key that names the same folder by another path (a
// symlink, a path through one) is no change; another folder is, unless it is the model's and holds the weights the
// checkpoint was made over (a model folder moved, its fingerprint the same), which is said, not refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resumeChanges } from '../../src/train/run-dir.ts';
import { tempDir } from '../temp-dir.ts';

test('resumeChanges: the same folder by another path is no change; another folder is refused unless it holds the same weights', () => {
  const dir = tempDir('mt-resume-changes-');
  const model = path.join(dir, 'model'), other = path.join(dir, 'other'), link = path.join(dir, 'link');
  fs.mkdirSync(model);
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(model, 'train.jsonl'), '');
  fs.symlinkSync(model, link);
  const cfg = (m: string, train = path.join(model, 'train.jsonl')) => ({ model: m, data: { train }, seed: 0 });
  // before: "model (\"…/model\" then, \"…/link\" now)" refused, though it is the same folder
  assert.deepEqual(resumeChanges(cfg(model), cfg(link)), { refused: [], allowed: [] });
  assert.deepEqual(resumeChanges(cfg(model), cfg(model, path.join(link, 'train.jsonl'))), { refused: [], allowed: [] });
  assert.deepEqual(resumeChanges(cfg(model), cfg(other)).refused, [`model (${JSON.stringify(model)} then, ${JSON.stringify(other)} now)`]);
  // other weights (the fingerprints compared) are said
  assert.deepEqual(resumeChanges(cfg(model), cfg(other), { sameWeights: false }).refused, [`model (${JSON.stringify(model)} then, ${JSON.stringify(other)} now; other weights)`]);
  assert.deepEqual(resumeChanges(cfg(model), cfg(other), { sameWeights: true }),
    { refused: [], allowed: [`model (${JSON.stringify(model)} then, ${JSON.stringify(other)} now; the same weights)`] });
  // the same weights excuse only the model's folder, not another key
  assert.deepEqual(resumeChanges({ ...cfg(model), seed: 1 }, cfg(other), { sameWeights: true }).refused, ['seed (1 then, 0 now)']);
});
