// tokenizer.json's padding.pad_token, where tokenizer_config.json names no pad_token, is the tokenizer's pad token in
// transformers 5.17 (json-defaults.ts), a special added token even where it is a vocabulary word: AutoTokenizer's
// get_added_vocab() has it, added_tokens_decoder says special (the byte-level BPE, Tekken's), all_special_ids has it (the
// LlamaTokenizer a SentencePiece-BPE loads as). convert_hf_to_gguf.py types such a token CONTROL (3) in both
// (get_vocab_base; gguf-py's LlamaHfVocab.get_token_type), not NORMAL (1). Measured with transformers 5.17: tekken-tiny
// with padding.pad_token "ch" (id 301): in get_added_vocab(), special True; the bundled Mistral tokenizer with "▁the"
// (id 272): pad_token_id 272, in all_special_ids. SpecialVocab reads no pad id from tokenizer.json: none is written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

/** `from`'s tokenizer with tokenizer.json's padding naming `pad` and tokenizer_config.json naming no pad_token. */
function withJsonPad(from: string, pad: string): { dir: string; id: number } {
  const dir = tempDir('mt-gguf-pad-');
  const json = JSON.parse(fs.readFileSync(path.join(from, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } } & Record<string, unknown>;
  const id = json.model.vocab[pad]!;
  json['padding'] = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: id, pad_type_id: 0, pad_token: pad };
  const { pad_token: _, ...config } = JSON.parse(fs.readFileSync(path.join(from, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return { dir, id };
}

for (const [name, from, pad, rows] of [['byte-level BPE (tekken-tiny)', path.join(FIXTURES, 'tekken-tiny'), 'ch', 1000], ['SentencePiece-BPE (bundled Mistral)', BUNDLED_TOKENIZER_DIR, '▁the', 32000]] as const) {
  test(`${name}: a vocabulary word tokenizer.json's padding names as pad token is a control token in the GGUF, as convert_hf_to_gguf.py writes it`, () => {
    const { dir, id } = withJsonPad(from, pad);
    const m = captureStderr(() => tokenizerMetadata(dir, rows)).result;
    assert.equal((m.get('tokenizer.ggml.tokens')!.value as string[])[id], pad);
    assert.equal((m.get('tokenizer.ggml.token_type')!.value as Int32Array)[id], 3);
    assert.equal(m.get('tokenizer.ggml.padding_token_id'), undefined);
  });
}
