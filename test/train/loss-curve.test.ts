// The loss-curve SVG: both series drawn, a val line per val set (a resume given another val file), and a very long run
// (300k steps) stays a small file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lossCurveSvg } from '../../src/train/loss-curve.ts';
import { curvesOf } from '../../src/train/report.ts';
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

test('a run whose val data changed draws a val line per set, none joining two sets, each named in the legend as the dashboard names it', () => {
  // before: one red line through both sets' losses, the legend saying only "val"
  const train = Array.from({ length: 60 }, (_, i) => ({ step: i + 1, loss: 3 - i / 60 }));
  const val = (points: Array<[number, number]>, set: string) => points.map(([step, loss]) => ({ step, split: 'val', loss, perplexity: Math.exp(loss), data_fingerprint: set }));
  const first: Array<[number, number]> = [[0, 3], [10, 2.6], [20, 2.3], [30, 2.1]], second: Array<[number, number]> = [[40, 1.6], [50, 1.5], [60, 1.45]];
  /** The val lines drawn: [colour, the number of points the line goes through]; and the legend's words with their colours. */
  const drawn = (rows: object[]) => {
    const curve = curvesOf(rows as Record<string, unknown>[]);
    const svg = lossCurveSvg(curve.train, curve.val);
    const lines = [...svg.matchAll(/<path d="([^"]+)" fill="none" stroke="(#\w+)"/g)].slice(1).map((m) => [m[2], m[1]!.split(/[ML]/).length - 1]);
    const legend = [...svg.matchAll(/<text [^>]*fill="(#\w+)">([^<]+)<\/text>/g)].map((m) => [m[2], m[1]]);
    return { lines, legend, circles: [...svg.matchAll(/<circle [^>]*fill="(#\w+)"/g)].map((m) => m[1]) };
  };
  const two = drawn([...train, ...val(first, 'A'), ...val(second, 'B')]);
  assert.deepEqual(two.lines, [['#d62728', 4], ['#ff7f0e', 3]], 'a line per set, through its own points only');
  assert.deepEqual(two.legend, [['― train', '#1f77b4'], ['● val (set 1)', '#d62728'], ['● val (set 2, from step 40)', '#ff7f0e']]);
  assert.deepEqual(two.circles, [...first.map(() => '#d62728'), ...second.map(() => '#ff7f0e')]);
  // back on its first set: set 1 again, in its colour, a line of its own
  const back = drawn([...train, ...val(first, 'A'), ...val(second.slice(0, 2), 'B'), ...val(second.slice(2), 'A')]);
  assert.deepEqual(back.lines, [['#d62728', 4], ['#ff7f0e', 2], ['#d62728', 1]]);
  assert.deepEqual(back.legend.slice(1).map(([name]) => name), ['● val (set 1)', '● val (set 2, from step 40)', '● val (set 1, from step 60)']);
  // one set (and an older version's rows, without a hash): one val line, "val", as ever
  for (const rows of [[...train, ...val([...first, ...second], 'A')], [...train, ...val([...first, ...second], 'A').map(({ data_fingerprint: _, ...r }) => r)]]) {
    const one = drawn(rows);
    assert.deepEqual(one.lines, [['#d62728', 7]]);
    assert.deepEqual(one.legend, [['― train', '#1f77b4'], ['● val', '#d62728']]);
  }
});

test('a run whose val data changed at every evaluation draws its val points without lines, one legend line: the plot stays in the SVG', () => {
  // before: a legend line per stretch (40 sets: 41 lines, 574 px) pushed the plot's top below its bottom, the y axis upside down
  const train = Array.from({ length: 100 }, (_, i) => ({ step: i + 1, loss: 3 - i / 50 }));
  const val = Array.from({ length: 40 }, (_, i) => ({ step: (i + 1) * 2, loss: 3 - i / 25, data_fingerprint: `set-${i}` }));
  const svg = lossCurveSvg(train, val);
  const legend = [...svg.matchAll(/<text [^>]*fill="(#\w+)">([^<]+)<\/text>/g)].map((m) => m[2]);
  assert.deepEqual(legend, ['― train', '● val (40 val sets: points only)']);
  assert.equal((svg.match(/<path /g) ?? []).length, 1, 'the train line only');
  assert.equal((svg.match(/<circle /g) ?? []).length, 40, 'every evaluation a point');
  const ys = [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)"/g)].map((m) => Number(m[1]));
  assert.ok(ys.every((y) => y >= 0 && y <= 360), `points inside the 360-px SVG: ${Math.min(...ys)}–${Math.max(...ys)}`);
  assert.ok(ys[0]! < ys.at(-1)!, 'a falling loss is drawn falling, its first point the highest (the y axis not upside down)');
});

test("a long run's val sets are counted over every val point in the legend, not over the points left after thinning", () => {
  // before: the val series thinned to 2,000 points was counted, "(954 val sets …)" said of 5,000
  const N = 5000;
  const val = Array.from({ length: N }, (_, i) => ({ step: i + 1, loss: 3 - i / N, data_fingerprint: `set-${i}` }));
  const svg = lossCurveSvg([{ step: 1, loss: 3 }], val);
  const legend = [...svg.matchAll(/<text [^>]*fill="(#\w+)">([^<]+)<\/text>/g)].map((m) => m[2]);
  assert.deepEqual(legend, ['― train', `● val (${N} val sets: points only)`]);
});
