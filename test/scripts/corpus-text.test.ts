// The pre-training corpus's markup readers (scripts/corpus-text.ts) keep prose and drop code, markup and debris.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlParagraphs, isProse, podParagraphs, rstInline, rstParagraphs } from '../../scripts/corpus-text.ts';

test('isProse: enough words, mostly letters, and a short line without final punctuation is a heading', () => {
  assert.ok(isProse('The json module exposes an API familiar to users of marshal.'));
  assert.ok(!isProse('Too short.'));
  assert.ok(!isProse('2.1 Determination of input data by the FROM clause'));
  assert.ok(!isProse('x = [1, 2, 3]; y = {"a": 4}; z = f(x, y) + 5 * 6 / 7 - 8 % 9;'));
});

test('rstInline: roles, links, literals, emphasis and footnote references become their text', () => {
  assert.equal(rstInline(':mod:`json` uses :func:`~json.dumps` and :class:`the encoder <json.JSONEncoder>`'), 'json uses json.dumps and the encoder');
  assert.equal(rstInline('see :rfc:`7159` and `JSON <https://json.org>`_, ``dumps()`` is **fast** and *safe* [#f1]_.'),
    'see RFC 7159 and JSON, dumps() is fast and safe.');
});

test('rstParagraphs: prose kept in order; literal blocks, doctests, code directives, options, tables and titles dropped', () => {
  const rst = [
    'Title of the page here', '======================', '',
    '.. module:: json', '   :synopsis: Encode and decode the JSON format.', '',
    'The :mod:`json` module encodes and decodes the JSON format for you.', '',
    'Encoding basic Python object hierarchies looks like this::', '', '    >>> import json', '    >>> json.dumps([1, 2])', '',
    '.. function:: dumps(obj, *, skipkeys=False, \\', '               indent=None)', '',
    '   Serialize obj to a JSON formatted string using the conversion table.', '',
    '.. code-block:: python', '', '   print("this is code, not prose at all")', '',
    '+-------+-------+', '| a     | b     |', '+-------+-------+', '',
    '>>> json.loads("[1, 2, 3]") and more of the doctest here', '',
    '.. note::', '   Keys in key/value pairs of JSON are always of the type str.', '',
  ].join('\n');
  assert.deepEqual(rstParagraphs(rst), [
    'The json module encodes and decodes the JSON format for you.',
    'Encoding basic Python object hierarchies looks like this:',
    'Serialize obj to a JSON formatted string using the conversion table.',
    'Keys in key/value pairs of JSON are always of the type str.',
  ]);
});

test('htmlParagraphs: head, scripts, <pre>, tables and comments dropped; entities decoded; inline code kept', () => {
  const html = '<html><head><title>SELECT page title words here</title><script>var a = "not prose at all";</script></head><body>' +
    '<div class="nav">Prev Up Next</div><p>The <code class="literal">SELECT</code> statement retrieves rows &amp; columns from tables.</p>' +
    '<!-- a comment with many words that are not prose --><pre>SELECT * FROM t WHERE a &lt; 3;</pre>' +
    '<table><tr><td>cell words that make a long enough row</td></tr></table><p>Rows that do not satisfy the condition are&nbsp;eliminated.</p></body></html>';
  assert.deepEqual(htmlParagraphs(html), [
    'The SELECT statement retrieves rows & columns from tables.',
    'Rows that do not satisfy the condition are eliminated.',
  ]);
});

test('podParagraphs: =commands, verbatim code, =begin blocks and code after =cut dropped; formatting codes become text', () => {
  const pod = [
    '=head1 DESCRIPTION', '',
    'This document gives you a I<quick> overview of the B<Perl> language, see L<perltoc>.', '',
    '    my $x = 1; # verbatim code', '',
    'Use C<< $a->b >> and L<the manual|perlfunc/print> to print E<lt>tagsE<gt> out.', '',
    '=begin html', '', '<p>raw html in a begin block, not for the corpus</p>', '', '=end html', '',
    '=cut', '', 'sub code_after_cut { return "this is perl code, not pod prose"; }', '',
  ].join('\n');
  assert.deepEqual(podParagraphs(pod), [
    'This document gives you a quick overview of the Perl language, see perltoc.',
    'Use $a->b and the manual to print <tags> out.',
  ]);
});
