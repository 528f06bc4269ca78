// A special added token whose text is beyond ASCII on a byte-level tokenizer: decoding it is no text a record writes
// ("héllo" decodes as "h�llo", é being the byte 0xE9 to the ByteLevel decoder, in transformers 5.17 too), so prepare
// reads the token's own content, the text transformers' added vocabulary splits out of a record ("say héllo there"
// encodes as […, "héllo", …] there), and refuses a field that holds it, naming it as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { specialTexts } from '../../src/data/prepare-words.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { FIXTURES } from '../helpers.ts';
import { quietly, tempFolder } from '../tokenizer/helpers.ts';

function tekkenWithSpecial(content: string) {
  const tekken = path.join(FIXTURES, 'tekken-tiny');
  const json = JSON.parse(fs.readFileSync(path.join(tekken, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: Array<{ id: number }> };
  const id = 1 + Math.max(...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id));
  json.added_tokens.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true } as { id: number });
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': fs.readFileSync(path.join(tekken, 'tokenizer_config.json'), 'utf8') });
  return { tok: quietly(() => loadTokenizer(dir)), id };
}

test('a special added token beyond ASCII on a byte-level tokenizer is refused by its content, not its decoded text', () => {
  const { tok, id } = tekkenWithSpecial('héllo');
  assert.equal(tok.decode([id], { skipSpecialTokens: false }), 'h\ufffdllo'); // as transformers 5.17 decodes it
  assert.ok(tok.encode('say héllo there').includes(id));
  const texts = specialTexts(tok);
  assert.ok(texts.includes('héllo'), JSON.stringify(texts));
  assert.ok(!texts.includes('h\ufffdllo'));
  assert.ok(texts.includes('<s>') && texts.includes('</s>'));
  assert.throws(() => tokenizeRecord({ shape: 'text', text: 'say héllo there' }, tok), { message: '"text" contains the text of a special token ("héllo")' });
  assert.equal(tokenizeRecord({ shape: 'classification', text: 'say héllo there', label: 0 }, tok, { specialTokenText: 'encode' }).specialText, 'héllo');
});
