// eval and classify of a raw file clean its texts as prepare does (runs of spaces, Unicode spaces, NFC, trimmed ends),
// so that a raw file scores as its prepare output does, record for record (README: eval's and classify's --data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const root = tempDir('mt-raw-cleaning-');
const model = await makeTokenizerModel(path.join(root, 'classifier'), 3, { classes: 3 }); // id2label LABEL_0 … LABEL_2
const texts = ['good  film   here', 'bad\tmovie', '  nice show  ', 'cafe\u0301\u00a0au lait', 'fine\r\nfilm\n\n\n\nagain', 'poor\u3000plot'];
const raw = path.join(root, 'raw.jsonl');
fs.writeFileSync(raw, texts.map((text, i) => JSON.stringify({ text, label: `LABEL_${i % 3}` })).join('\n') + '\n');

test('eval and classify --data of a raw file give what they give on its prepare output: the same loss, each text the same probabilities', async () => {
  const out = path.join(root, 'prep');
  const p = await cli(['prepare', '--task', 'classification', '--input', raw, '--split', '1,0,0', '--labels', 'LABEL_0,LABEL_1,LABEL_2', '--out', out]);
  assert.equal(p.code, 0, p.err);
  const prepared = path.join(out, 'train.jsonl');
  const cleaned = fs.readFileSync(prepared, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
  assert.equal(cleaned.length, texts.length);
  assert.ok(cleaned.includes('good film here') && cleaned.includes('café au lait'), cleaned.join(' | '));
  const loss = async (data: string): Promise<number> => {
    const r = await cli(['eval', '--model', model, '--data', data, '--json']);
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { loss: number }).loss;
  };
  assert.ok(Math.abs((await loss(raw)) - (await loss(prepared))) <= 1e-6 * Math.abs(await loss(prepared)));
  const probs = async (data: string): Promise<string[]> => {
    const r = await cli(['classify', '--model', model, '--data', data, '--json']);
    assert.equal(r.code, 0, r.err);
    return r.out.trim().split('\n').map((l) => Object.values((JSON.parse(l) as { probs: Record<string, number> }).probs).map((v) => v.toFixed(6)).join(' ')).sort();
  };
  assert.deepEqual(await probs(raw), await probs(prepared));
  // --text likewise: a text's runs of spaces are one
  const one = async (text: string): Promise<string> => (await cli(['classify', '--model', model, '--text', text, '--json'])).out;
  assert.equal(await one('good  film   here'), await one('good film here'));
});
