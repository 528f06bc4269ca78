// LoRA training on model configs unlike the bundled one, against HF's own Trainer + PEFT (test/fixtures/hf-peft-configs,
// made by its make_cases.py): yarn rope with head_dim apart from hidden/heads, one KV head, an odd intermediate size,
// vocab 37, tied embeddings and a sliding window under the rows — rsLoRA on q/v with uneven accumulation, and all-linear
// with packing; a llama3-rope MHA classifier with LoRA on k/o/down and its score head. Each step's loss, lr and grad norm
// and every final tensor within 1e-5 relative.
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { assertLikeHf, readCases, trainCase } from './hf-trainer-case.ts';

const TOL = 1e-5;
const REF = path.join(FIXTURES, 'hf-peft-configs');
const cases = readCases(REF);

describe('LoRA on yarn / llama3 rope, GQA 2:1, head_dim apart, tied, odd sizes, against HF\'s Trainer + PEFT', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.steps.length} steps and the final adapter`, (t) => {
      const dir = tempDir(`mt-hf-peft-${c.name}-`);
      try {
        const worst = assertLikeHf(REF, c, trainCase(REF, dir, c), TOL);
        t.diagnostic(`${c.name}: largest rel err ${worst.toExponential(1)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
