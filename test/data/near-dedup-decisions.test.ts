// NearDupIndex's kept/dropped decisions on a messy input — log lines of a shared format with numbers, templated
// notices resent with a field changed, unicode and short records (emoji, CJK, combining marks, empty texts, 1 to 6
// code points), pairs exactly at the threshold (4 of 5 shingles shared: 0.8), long paragraphs and their edited
// copies — are the recorded ones, whichever way the candidates are found (the bands alone, a PrefixFilter for every
// query or over a small budget, a ShingleBound): a speed-up must change the time, never these. The digests were
// recorded from the code before the 32-bit PrefixFilter lists (3ee2c546).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { NearDupIndex } from '../../src/data/near-dedup.ts';
import { Rng } from '../../src/util/rng.ts';
import { logLine, madeUpWord, paragraph } from './near-dedup-inputs.ts';
import { nearMatchLines } from './near-matches.ts';

function messyRecords(): string[][] {
  const rng = new Rng(61);
  const pieces = ['😀', '👍🏽', '日本語', '中文', 'é', 'ß', 'ñ', 'ω', 'ह', 'a', 'b', ' ', '1', '。', '\u0301'];
  const short = (k: number): string => Array.from({ length: k }, () => pieces[rng.below(pieces.length)]).join('');
  const notice = (who: string, amount: number, day: number): string => `dear ${who}, the payment of ${amount} eur for your account is due on 2026-03-${day}. if you have already paid, please ignore this message; otherwise pay in the portal.`;
  const records: string[][] = [];
  for (let i = 0; i < 1500; i++) {
    const k = rng.below(20), earlier = () => records[rng.below(records.length)]!;
    if (k < 5) records.push([logLine(rng.below(400))]); // a shared format; repeats of 400 lines
    else if (k < 8) records.push([notice(`${madeUpWord(rng)} ${madeUpWord(rng)}`, rng.below(100), 1 + rng.below(28))]);
    else if (k < 10) records.push([[short(1 + rng.below(6)), '', `${short(2)} ${madeUpWord(rng)} ${short(3)}`][rng.below(3)]!]);
    else if (k < 12) {
      // exactly at 0.8: 'abcdefgh' (4 shingles) and 'abcdefghi' (5), of code points drawn from the pieces
      const base = Array.from({ length: 8 }, () => pieces[rng.below(pieces.length)]).join('');
      records.push([base], [base + pieces[rng.below(pieces.length)]]);
    } else if (k < 13 && records.length) records.push(earlier().map((p) => p.replace(/\d/, '7')));
    else if (k < 15) records.push([paragraph(rng, 60 + rng.below(200))]);
    else if (k < 16 && records.length) records.push(earlier().map((p) => p.replace(/ \w+ /, ' qu ')));
    else records.push([`where is the order of ${madeUpWord(rng)}?`, `it left on 2026-0${1 + rng.below(9)}-1${rng.below(10)} with ${short(2)}.`]);
  }
  return records;
}

test('NearDupIndex: the decisions on log lines, notices, unicode/short/empty and exact-threshold records are the recorded ones, however candidates are found', () => {
  const records = messyRecords();
  const recorded: Record<number, { dropped: number; digest: string }> = {
    0.5: { dropped: 979, digest: '9c89fba382594b8c' },
    0.8: { dropped: 384, digest: '85a2462b6f878c97' },
    1: { dropped: 202, digest: '6c0bbfbe32c82acd' },
  };
  const ways: Record<string, (t: number) => NearDupIndex> = {
    default: (t) => new NearDupIndex(t),
    'bands alone': (t) => new NearDupIndex(t, 'never', undefined, 'never', undefined, 'never'),
    'PrefixFilter always': (t) => new NearDupIndex(t, 'auto', undefined, 'never', undefined, 'always'),
    'PrefixFilter always, room for 200 records': (t) => new NearDupIndex(t, 'auto', undefined, 'never', undefined, 'always', 200 * 40),
    'ShingleBound and PrefixFilter always': (t) => new NearDupIndex(t, 'always', 10_000, 'always', undefined, 'always'),
  };
  for (const t of [0.5, 0.8, 1]) {
    for (const [way, make] of Object.entries(ways)) {
      const lines = nearMatchLines(make(t), records, (r) => r % 13 === 6);
      const dropped = lines.filter((m) => !m.endsWith('-')).length;
      const digest = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
      assert.deepEqual({ dropped, digest }, recorded[t], `threshold ${t}, ${way}`);
    }
  }
});
