// Text of a run's files that carries its own direction (a right-to-left override in a run's name, a split's name, a
// malformed line) is laid out as alone in the page: the words after it read left to right, in their order (headless
// Chromium, browser-page.ts's harness). Measured on the page: where each letter of the words after it is drawn.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { onDashboardPage, SKIP } from './browser-page.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { tempRuns } from './helpers.ts';

const RLO = '\u202e';

/** The top and left edges of the letters of `word` where it follows `after` in the text of the element `selector`, as drawn. */
function letterLefts(page: Page, selector: string, after: string, word: string): Promise<Array<[number, number]>> {
  return page.evaluate(([sel, aft, w]) => {
    interface TextNode { data: string }
    interface Doc {
      querySelector(s: string): { firstChild: TextNode | null; textContent: string; childNodes: ArrayLike<TextNode & { nodeType: number }> } | null;
      createRange(): { setStart(n: TextNode, i: number): void; setEnd(n: TextNode, i: number): void; getBoundingClientRect(): { top: number; left: number } };
    }
    const doc = (globalThis as unknown as { document: Doc }).document;
    const el = doc.querySelector(sel)!;
    const node = [...Array.from(el.childNodes)].find((n) => n.nodeType === 3 && n.data.includes(aft))!;
    const start = node.data.indexOf(w, node.data.indexOf(aft) + aft.length);
    return [...w].map((_, i) => {
      const r = doc.createRange();
      r.setStart(node, start + i);
      r.setEnd(node, start + i + 1);
      const box = r.getBoundingClientRect();
      return [box.top, box.left];
    });
  }, [selector, after, word] as const);
}

/** Whether letters are drawn in reading order: each right of the one before on its line, or on a line below it. */
const inOrder = (boxes: Array<[number, number]>): boolean =>
  boxes.every(([top, left], i) => i === 0 || top > boxes[i - 1]![0] + 1 || (Math.abs(top - boxes[i - 1]![0]) <= 1 && left > boxes[i - 1]![1]));

test("a run name, split name, malformed line, damaged report.json, a report's key or a lock's host holding a right-to-left override reverses none of the words after it", { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, `evil${RLO}run`);
  const other = path.join(tmp.root, 'other');
  fs.mkdirSync(run);
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), [{ step: 1, loss: 3, lr: 1e-4 }, { step: 1, split: 'val', loss: 3.1 }, { step: 1, split: `odd${RLO}`, loss: 1 }]
    .map((r) => JSON.stringify(r) + '\n').join('') + `x${RLO}yz\n`);
  // a report whose matrix is under a key holding an override: the matrix's heading names the key
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ [`test${RLO}`]: { confusion: [[1, 0], [0, 1]] } }));
  // a damaged report.json: JSON.parse's message quotes it too
  fs.writeFileSync(path.join(other, 'report.json'), `${RLO}{"a": 1}`);
  // a lock of another host (its process cannot be checked from here), the host named with an override
  const locked = path.join(tmp.root, 'locked');
  fs.mkdirSync(locked);
  fs.writeFileSync(path.join(locked, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(locked, RUN_LAYOUT.lock), JSON.stringify({ pid: 4242, host: `node${RLO}3`, started: 'then' }) + '\n');
  try {
    await onDashboardPage([run, other, locked], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      const trainLabel = '[data-chart="loss"] .u-legend .u-series:nth-child(2) .u-label';
      assert.equal(await page.textContent(trainLabel).then((t) => t!.replace(/[\u2066-\u2069\u202c]/g, '')), `evil${RLO}run train`);
      const train = await letterLefts(page, trainLabel, 'run', 'train');
      assert.ok(inOrder(train), `"train" after the run's name is drawn in its order: ${JSON.stringify(train)}`);
      // a title has no layout to measure: its names are isolates, so the override ends with the name
      assert.equal(await page.title(), `mistral-tune dashboard — \u2068evil${RLO}run\u202c\u2069, other, locked`);
      const status = await letterLefts(page, 'article[data-run="0"] .status > span', 'odd', 'not charted');
      assert.ok(inOrder(status), `"not charted" after the split's name is drawn in its order: ${JSON.stringify(status)}`);
      // JSON.parse's message quotes the line: its override is written out (metrics-tail.ts), the words after it in order
      const malformed = await letterLefts(page, '[data-malformed] li', 'yz', 'is not valid JSON');
      assert.ok(inOrder(malformed), `the words after the quoted line are drawn in their order: ${JSON.stringify(malformed)}`);
      const report = await letterLefts(page, 'article[data-run="1"] .warning', 'is not valid JSON', 'train writes it whole');
      assert.ok(inOrder(report), `the words after the quoted report.json are drawn in their order: ${JSON.stringify(report)}`);
      const heading = await letterLefts(page, 'article[data-run="0"] h3:nth-of-type(2)', 'confusion', 'rows: true label');
      assert.ok(inOrder(heading), `the words after the matrix's key are drawn in their order: ${JSON.stringify(heading)}`);
      // the lock's owner, read from the lock file, is written out in the status line's note
      const lock = await letterLefts(page, 'article[data-run="2"] .status > span', 'another host', 'holds the run');
      assert.ok(inOrder(lock), `the words after the lock's host are drawn in their order: ${JSON.stringify(lock)}`);
    });
  } finally {
    tmp.cleanup();
  }
});
