// The loss-curve SVG: both series drawn, and a very long run (300k steps) stays a small file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lossCurveSvg } from '../../src/train/loss-curve.ts';
import { maxOf, minOf } from '../../src/util/reduce.ts';

test('train and val series are drawn, with the step range on the axis', () => {
  const svg = lossCurveSvg([{ step: 1, loss: 3 }, { step: 2, loss: 2 }], [{ step: 0, loss: 3.5 }, { step: 2, loss: 2.5 }], 'demo');
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle /g) ?? []).length, 2);
  assert.match(svg, /step \(of 2\)/);
});

test('300k steps: no stack overflow, at most ~2000 points drawn', () => {
  const pts = Array.from({ length: 300_000 }, (_, i) => ({ step: i + 1, loss: 5 - i / 1e5 }));
  const svg = lossCurveSvg(pts, []);
  assert.ok(svg.length < 60_000, `${svg.length} bytes`);
  assert.match(svg, /step \(of 300000\)/);
  assert.equal(maxOf(pts, (p) => p.step), 300_000);
  assert.equal(minOf(pts, (p) => p.loss), 5 - 299_999 / 1e5);
});
