// dom.js isolate: a run's text with right-to-left letters or direction controls becomes an isolate that closes what
// it opens and cannot be ended early by a closer of its own; plain text is left as it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const asset = new URL('../../src/dashboard/assets/dom.js', import.meta.url).href;
const { isolate } = (await import(asset)) as { isolate: (text: string) => string };
const FSI = '\u2068', PDI = '\u2069', PDF = '\u202c', RLO = '\u202e', RLI = '\u2067', LRE = '\u202a';

test('plain left-to-right text is returned as it is', () => {
  assert.equal(isolate('run-1 (lr 3e-4) 😀'), 'run-1 (lr 3e-4) 😀');
});

test('right-to-left letters or a control make an isolate; the overrides, embeddings and isolates it opens are closed in it', () => {
  assert.equal(isolate('مرحبا'), `${FSI}مرحبا${PDI}`);
  assert.equal(isolate(`evil${RLO}run`), `${FSI}evil${RLO}run${PDF}${PDI}`);
  assert.equal(isolate(`a${RLI}b${LRE}c`), `${FSI}a${RLI}b${LRE}c${PDF}${PDI}${PDI}`);
  // an isolate's closer closes the embeddings opened in it: none owed after it
  assert.equal(isolate(`a${RLI}b${LRE}c${PDI}d`), `${FSI}a${RLI}b${LRE}c${PDI}d${PDI}`);
});

test('a closer the text did not open is left out: it would end the isolate before the text does', () => {
  assert.equal(isolate(`x${PDI}${RLO}y`), `${FSI}x${RLO}y${PDF}${PDI}`);
  assert.equal(isolate(`x${PDF}${RLI}y${PDF}z`), `${FSI}x${RLI}yz${PDI}${PDI}`);
});
