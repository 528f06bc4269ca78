// A page left open while its dashboard is stopped asks for its stream ever less often (each refused ask is a console
// error in the browser), says so, and finds the dashboard started again (headless Chromium,
// browser-page.ts's harness).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onDashboardPage, SKIP } from './browser-page.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

const REFUSED = /ERR_CONNECTION_REFUSED/;

test('a stopped dashboard is asked for again ever less often, not each second, and found again once it restarts', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    await onDashboardPage(tmp.dirs, async (page, _url, restart) => {
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      let refused = 0;
      page.on('console', (m) => {
        if (m.type() === 'error' && REFUSED.test(m.text())) refused++;
      });
      // asked again after 1, 2 and 4 s (at 1, 3 and 7 s): 3 asks in 9 s; each second, 9. At least one (a page slowed by
      // a loaded machine asks later, never more often)
      await restart(tmp.dirs, () => page.waitForTimeout(9_000));
      assert.ok(refused >= 1 && refused <= 4, `${refused} asks refused while the dashboard was stopped for 9 s`);
      assert.match((await page.textContent('#connection'))!, /^connection lost — retrying, every 1 to 30 s$/);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 20_000 });
      assert.equal(await page.locator('[data-steps="60"]').count(), 1, 'the run is shown as before');
    }, { consoleExpected: REFUSED });
  } finally {
    tmp.cleanup();
  }
});
