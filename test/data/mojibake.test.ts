// Mojibake (UTF-8 text once decoded as Windows-1252 or Latin-1, saved again) is undone where it is certain: every run
// of such characters in the text must be well-formed UTF-8. Correct text — accents, Portuguese capitals, CJK, typographic
// quotes — is left as it is. prepare counts the records repaired in report.json's warnings.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { normalizeText } from '../../src/data/clean.ts';
import { repairMojibake } from '../../src/data/mojibake.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

/** `s` as UTF-8 bytes read back as `encoding`: how mojibake is made. */
const garble = (s: string, encoding: 'windows-1252' | 'latin1'): string =>
  encoding === 'latin1' ? Buffer.from(s, 'utf8').toString('latin1') : new TextDecoder('windows-1252').decode(Buffer.from(s, 'utf8'));

const TEXTS = ['café au lait', 'don’t stop “now” — ok…', 'an emoji 😀 and ✓', 'São Paulo', 'naïve résumé, £5, 20°C, İstanbul', 'Ünïcödé 漢字 text',
  'Слово мир, Київ', 'Ελληνικά', 'Zażółć gęślą jaźń', 'și ţară', 'Hawaiʻi', '“CAFÉ” ÉCOLE’S', 'Das macht Spaß…'];

test('repairMojibake undoes Windows-1252 and Latin-1 mojibake, twice-garbled text too', () => {
  for (const s of TEXTS) {
    for (const enc of ['windows-1252', 'latin1'] as const) {
      assert.equal(repairMojibake(garble(s, enc)), s, `${enc}: ${garble(s, enc)}`);
      assert.equal(repairMojibake(garble(garble(s, enc), enc)), s, `${enc} twice`);
    }
  }
  assert.equal(normalizeText('  cafÃ©\u00a0 '), 'café', 'before the rest of the normalisation');
});

test('correct text is left as it is', () => {
  for (const s of [...TEXTS, 'SÃO PAULO', 'AÇÃO', 'plain ascii', 'Ã alone', '½ and ¼', 'Â is a letter too', 'naïve café with mojibake-like Ã©? no: é is here']) {
    assert.equal(repairMojibake(s), s, s);
  }
});

test('an accented capital or ß before a quote, a dash or an ellipsis is correct text, not two bytes of mojibake', () => {
  // É, Ó, Ò, Í, Ü and ß are UTF-8 lead bytes in Windows-1252, and ” … ’ continuation bytes: read so, these became
  // IPA, Cyrillic, combining and N'Ko characters ("Spa߅", "“CAFɔ", "ACABӔ"), silently, in the training text
  for (const s of ['Das macht Spaß…', 'Er ist groß”, sagte sie', '“CAFÉ”', 'CAFÉ…', '“SE ACABÓ”', 'PERÒ…', 'ASÍ”', 'Ü’', 'MÜNCHEN…', 'C’EST L’ÉTÉ\u00a0!']) {
    assert.equal(repairMojibake(s), s, s);
  }
  // and the real thing, garbled once or twice, comes back as it was, not decoded a step too far
  assert.equal(repairMojibake(garble('“CAFÉ”', 'windows-1252')), '“CAFÉ”');
  // Portuguese capitals: Ã is a lead byte and ” … — continuation bytes, so "IRMÃ”" reads as "IRMÔ"; the “ typed as it
  // is (mojibake garbles it too: "â€œ") shows the text is correct
  for (const s of ['“IRMÃ”', 'ELA DISSE: “AMANHÔ…', '‘CAPITÔ']) assert.equal(repairMojibake(s), s, s);
  assert.equal(repairMojibake(garble(garble('Das macht Spaß…', 'windows-1252'), 'windows-1252')), 'Das macht Spaß…');
});

test('prepare: repaired records are counted in the warnings; a repaired copy is a duplicate of the clean one', () => {
  const dir = tempDir('mt-mojibake-');
  const f = writeFiles(dir, {
    'm.jsonl': [{ text: 'The café opens at nine, don’t be late' }, { text: garble('The café opens at nine, don’t be late', 'windows-1252') },
      { text: garble('Ein schönes Wochenende in München', 'latin1') }].map((r) => JSON.stringify(r)).join('\n'),
  })['m.jsonl']!;
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, { duplicate: 1 });
  assert.deepEqual(readJsonl<{ text: string }>(path.join(out, 'train.jsonl')).map((r) => r.text), ['The café opens at nine, don’t be late', 'Ein schönes Wochenende in München']);
  assert.ok(report.warnings.includes('2 records had mojibake undone: UTF-8 text once read as Windows-1252 ("cafÃ©" → "café", "donâ€™t" → "don’t")'), report.warnings.join('; '));
});
