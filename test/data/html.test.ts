// HTML in scraped text (html.ts, record-html.ts): what is a tag and what is text, what stripping leaves, and
// prepare with and without --strip-html (counted either way; a record left empty is rejected naming its field).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { normalizeText } from '../../src/data/clean.ts';
import { hasHtml, stripHtml } from '../../src/data/html.ts';
import { prepare } from '../../src/data/prepare.ts';
import { stripRecordHtml } from '../../src/data/record-html.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

test('only HTML elements\' tags and known character references are HTML: code\'s List<String>, "a < b > c", AT&T stay text', () => {
  for (const text of ['List<String> and Map<K, V>', 'a < b > c, x<y', 'AT&T, R&D, &unknown;, &#0;', 'if (a<b && c>d)', '<T extends Foo>']) {
    assert.equal(hasHtml(text), false, text);
    assert.equal(stripHtml(text), text, text);
  }
  for (const text of ['<p>x</p>', 'a<br/>b', 'Q&amp;A', 'don&#39;t', '&#x2014;', '<A HREF="u">link</A>', '<!-- note -->x']) assert.equal(hasHtml(text), true, text);
});

test('stripping: block ends are line breaks, cells spaces, inline tags nothing; script, style and comments go whole; references decoded', () => {
  assert.equal(stripHtml('<p>Tom &amp; Jerry</p><p>don&#39;t &#x2014; &mdash; ok</p>'), 'Tom & Jerry\ndon\'t — — ok\n');
  assert.equal(stripHtml('<table><tr><td>Paris</td><td>France</td></tr></table>'), 'Paris France \n\n');
  assert.equal(stripHtml('<!DOCTYPE html><style>p{x:1}</style><script type="x">if (a<b) f();</script>Hi<br>there<!-- c -->'), 'Hi\nthere');
  assert.equal(stripHtml('Use <b>bold</b> and <a href="https://x.y/?a=1&amp;b=2">a link</a>.'), 'Use bold and a link.');
  assert.equal(stripHtml('5 &lt; 6 &gt; 4 &quot;q&quot; &#128512;'), '5 < 6 > 4 "q" \u{1F600}');
});

test('numeric references as HTML reads them: &#13; a line break (Stack Exchange dumps), &#146; and &#150; Windows-1252\'s ’ and –', () => {
  // &#13; was left in the text as written, and &#128;–&#159; decoded to C1 controls that cleaning removed: "it's" became "its"
  assert.equal(normalizeText(stripHtml('<p>line one&#xD;&#xA;line two&#13;&#10;three</p>')), 'line one\nline two\nthree');
  assert.equal(stripHtml('it&#146;s &#147;quoted&#148; &#150; &#x80;5 &#x9F;'), 'it’s “quoted” – €5 Ÿ');
  assert.equal(stripHtml('&#129; &#x8D; &#7;'), '&#129; &#x8D; &#7;', 'bytes Windows-1252 leaves undefined, and other controls, stay as written');
});

test('named references: all of HTML 4\'s Latin-1 names (capitals too) and its common symbols are decoded, not left in the text', () => {
  // "&Ouml;sterreich" and "&Eacute;cole" stayed as written once the record's tags were stripped
  assert.equal(stripHtml('<p>&Ouml;sterreich, &Eacute;cole, Espa&ntilde;a, S&atilde;o, &aring;, &oslash;, &thorn;, &yuml;</p>'), 'Österreich, École, España, São, å, ø, þ, ÿ\n');
  assert.equal(stripHtml('&iexcl;Hola! &iquest;Qu&eacute;? a &rarr; b, x &ne; y, &lsaquo;q&rsaquo; &minus;1 &hearts; &OElig;uvre'), '¡Hola! ¿Qué? a → b, x ≠ y, ‹q› −1 ♥ Œuvre');
  assert.equal(stripHtml('&unknownname; &copy'), '&unknownname; &copy', 'an unknown name, and one without its semicolon, stay as written');
});

test('a record without its HTML: each field normalised again as read, a line break the stripping put at an end dropped, an emptied field rejected', () => {
  assert.deepEqual(stripRecordHtml({ shape: 'prompt_completion', prompt: '<p>What is Q&amp;A?</p>', completion: ' It&#39;s <b>this</b>.' }),
    { shape: 'prompt_completion', prompt: 'What is Q&A?', completion: ' It\'s this.' });
  assert.deepEqual(stripRecordHtml({ shape: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '<div></div>' }] }),
    { reason: 'empty', detail: 'messages[1].content holds nothing once its HTML is removed (--strip-html)' });
  assert.deepEqual(stripRecordHtml({ shape: 'classification', text: '<p>Great   film</p>', label: 'pos' }), { shape: 'classification', text: 'Great film', label: 'pos' });
});

test('prepare counts the records holding HTML and keeps them as written; --strip-html strips them, says how many, and rejects one left empty', () => {
  const dir = tempDir('mt-html-');
  writeFiles(dir, {
    'in.jsonl': [
      { prompt: '<p>What is Q&amp;A?</p>', completion: ' Questions and answers.' },
      { text: '<div><p></p></div>' },
      { text: 'Plain List<String> text about AT&T.' },
      { prompt: '<p>What is Q&amp;A?</p>', completion: ' Questions and answers.' }, // a duplicate, and an end tag a special token's text
      { text: 'Strike it: <s>old</s> new' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n',
  });
  const run = (name: string, stripHtml: boolean) => {
    const out = path.join(dir, name);
    const { report } = prepare({ inputs: [path.join(dir, 'in.jsonl')], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0], stripHtml });
    return { report, kept: readJsonl(path.join(out, 'train.jsonl')), rejected: readJsonl(path.join(out, 'rejected.jsonl')) };
  };
  const asIs = run('as-is', false);
  assert.equal(asIs.kept.length, 3);
  // the kept records that hold HTML: not the duplicate, nor the record rejected for the text of <s> (counted 4 before)
  assert.deepEqual(asIs.report.by_reason, { duplicate: 1, special_token: 1 });
  assert.ok(asIs.report.warnings.includes('2 records hold HTML (tags such as <p> or <br>, character references such as &amp;): kept as written; options.stripHtml removes the tags and decodes the references'), asIs.report.warnings.join('; '));
  const stripped = run('stripped', true);
  assert.deepEqual(stripped.kept.map((r) => r.prompt ?? r.text).sort(), ['Plain List<String> text about AT&T.', 'Strike it: old new', 'What is Q&A?']);
  assert.deepEqual(stripped.rejected.map((r) => [r.reason, (r.source as { line: number }).line]), [['empty', 2], ['duplicate', 4]]);
  assert.ok(stripped.report.warnings.includes('4 records had their HTML removed (options.stripHtml)'), stripped.report.warnings.join('; '));
  assert.equal((stripped.report.options as Record<string, unknown>).strip_html, true);
});

test('an opening without its closing is text, read in one scan: "<!--" or "<script>" repeated 50,000 times (a lazy regex rescanned the rest from each)', () => {
  for (const open of ['<!--', '<script>', '<style>']) {
    const text = open.repeat(50_000);
    assert.equal(stripHtml(text), text, open);
  }
  assert.equal(stripHtml('a<!-- x -->b<!-- y'), 'ab<!-- y');
});
