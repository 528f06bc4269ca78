// torch.randperm of a manually seeded CPU generator, bit for bit (torch 2.13's outputs in test/fixtures/torch-randperm.json).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { torchRandperm } from '../../src/util/torch-randperm.ts';
import { FIXTURES } from '../helpers.ts';

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch-randperm.json'), 'utf8')) as { cases: Array<{ n: number; seed: number; perm: number[] }> };

test("torchRandperm(n, seed) is torch.randperm(n, generator=torch.Generator().manual_seed(seed)) (seeds past 2^32 by their low 32 bits, as torch's MT19937)", () => {
  assert.equal(ref.cases.length, 25);
  for (const c of ref.cases) assert.deepEqual(Array.from(torchRandperm(c.n, c.seed)), c.perm, `n ${c.n}, seed ${c.seed}`);
  assert.deepEqual(torchRandperm(0, 42), new Int32Array(0));
  assert.throws(() => torchRandperm(3, -1), /seed must be a non-negative integer/);
  assert.throws(() => torchRandperm(1.5, 0), /n must be an integer/);
});
