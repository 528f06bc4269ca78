// train's warning of rows whose positions pass the model's max_position_embeddings: by the longest row (cut to
// max_seq_len), packed or not; packed samples restart their positions, so the pack's length is not what they reach.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTrainConfig } from '../../src/train/config.ts';
import { keyPlaces } from '../../src/train/config-paths.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-position-warning-');

function warnings(rows: number[], extra: string): string[] {
  fs.writeFileSync(path.join(dir, 'rows.jsonl'), rows.map((n) => JSON.stringify({ input_ids: Array.from({ length: n }, (_, i) => 3 + (i % 400)) })).join('\n') + '\n');
  const f = path.join(dir, 'train.yaml');
  fs.writeFileSync(f, `model: ${TINY_BASE}\ndata: {train: rows.jsonl}\noutput_dir: out\n${extra}`);
  const { cfg, place } = readTrainConfig(f);
  const lines: string[] = [];
  const write = mock.method(process.stderr, 'write', (s: string | Uint8Array) => { lines.push(String(s)); return true; });
  try {
    dryRun(cfg, { places: keyPlaces(place) });
  } finally {
    write.mock.restore();
  }
  return lines.filter((l) => l.includes("pass the model's max_position_embeddings"));
}

test('packed rows within max_position_embeddings (256) are not warned of for a pack length past it; a longer row is, by its length', () => {
  assert.deepEqual(warnings([20, 30, 40], 'packing: true\nmax_seq_len: 512\n'), []);
  assert.match(warnings([20, 300], 'packing: true\nmax_seq_len: 512\n').join(''), /sequences of up to 300 tokens \(max_seq_len 512\) pass the model's max_position_embeddings 256/);
  assert.deepEqual(warnings([20, 30, 40], 'max_seq_len: 512\n'), []);
  assert.match(warnings([20, 300], 'max_seq_len: 280\n').join(''), /sequences of up to 280 tokens/);
});
