// loss_curve.svg as Chromium renders it: a run whose val data changed up to 12 times (a legend line per set, 13 in all)
// keeps a plot of a usable height, its legend lines inside the SVG and overlapping neither each other nor the title.
// Before: the legend was one column above the plot, 14 px a line, and 13 lines left the plot 118 of 360 px.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { lossCurveSvg } from '../../src/train/loss-curve.ts';
import { CHROMIUM, CHROMIUM_ARGS, SKIP } from '../dashboard/browser-page.ts';

let browser: Browser | undefined;
after(async () => browser?.close());

/** Each <text>'s words and box as rendered, the SVG's height, and the plot's (the grid lines' span). */
async function rendered(svg: string): Promise<{ texts: Array<{ text: string; x: number; y: number; w: number; h: number }>; height: number; plot: number }> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 700, height: 700 } });
  try {
    await page.setContent(svg);
    return await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getBBox(): { height: number } } & { getAttribute(a: string): string }; querySelectorAll(s: string): ArrayLike<{ textContent: string; getBBox(): { x: number; y: number; width: number; height: number }; getAttribute(a: string): string }> } }).document;
      const texts = Array.from(doc.querySelectorAll('text'), (t) => {
        const b = t.getBBox();
        return { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height };
      });
      const grid = Array.from(doc.querySelectorAll('line'), (l) => Number(l.getAttribute('y1')));
      return { texts, height: Number(doc.querySelector('svg').getAttribute('height')), plot: Math.max(...grid) - Math.min(...grid) };
    });
  } finally {
    await page.close();
  }
}

for (const sets of [1, 7, 12]) {
  test(`a run of ${sets} val set${sets === 1 ? '' : 's'}: a plot at least 250 px high, the legend inside the SVG, no text over another`, { skip: SKIP, timeout: 60_000 }, async () => {
    const train = Array.from({ length: 1200 }, (_, i) => ({ step: i + 1, loss: 3 - i / 600 }));
    const val = Array.from({ length: sets * 5 }, (_, i) => ({ step: (i + 1) * 20, loss: 3.2 - i / 30, data_fingerprint: `set-${Math.floor(i / 5)}` }));
    const r = await rendered(lossCurveSvg(train, val, 'run: checkpoints/mistral-7b-lora-resumed-on-new-val'));
    assert.equal(r.texts.filter((t) => t.text.startsWith('● val')).length, sets, 'a legend line per set');
    assert.ok(r.plot >= 250 * 0.99, `the plot is ${r.plot.toFixed(0)} px high`); // the grid spans the plot's height
    for (const t of r.texts) assert.ok(t.x >= 0 && t.x + t.w <= 640 && t.y >= 0 && t.y + t.h <= r.height, `${t.text} inside the SVG`);
    const words = r.texts.filter((t) => !/^[\d.]+$/.test(t.text) && !t.text.startsWith('step ('));
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 1; j < words.length; j++) {
        const [a, b] = [words[i]!, words[j]!];
        assert.ok(!(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h), `"${a.text}" overlaps "${b.text}"`);
      }
    }
  });
}
