// Exact deduplication of chats with tools: the tools' canonical JSON is computed once per distinct value and reused
// for records read apart (record-content.ts sharedCanonicalJson). The reuse must tell apart what the keys told apart
// before it: key order aside, the same tools are one content; a float 1.0 and the int 1, or two big integers, are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePythonJson } from '../../src/data/python-numbers.ts';
import { contentKeys, textFields, type DataRecord } from '../../src/data/record.ts';

/** A chat read from its JSON text, as a file's record is: every record holds objects of its own. */
function chatWith(toolsJson: string): DataRecord {
  return { shape: 'chat', messages: [{ role: 'user', content: 'Add 1 and 2.' }, { role: 'assistant', content: '3' }], tools: parsePythonJson(toolsJson) as unknown[] };
}

const tool = (params: string): string => `[{"type": "function", "function": {"name": "add", "parameters": ${params}}}]`;

test('chats read apart with the same tools have one content key, in any key order; the tools\' own text stays as given', () => {
  const a = chatWith(tool('{"a": 1, "b": {"x": true, "y": [1, 2]}}'));
  const again = chatWith(tool('{"a": 1, "b": {"x": true, "y": [1, 2]}}'));
  const reordered = chatWith(tool('{"b": {"y": [1, 2], "x": true}, "a": 1}'));
  const keys = [a, again, reordered].map(contentKeys);
  assert.equal(keys[1]!.content, keys[0]!.content);
  assert.equal(keys[2]!.content, keys[0]!.content);
  assert.equal(keys[2]!.renderedWith, keys[0]!.renderedWith);
  // the checks read the tools as written (a special token's text, HTML), not sorted
  const toolsText = (r: DataRecord): string => textFields(r).find((f) => f.name === '"tools"')!.text;
  assert.equal(toolsText(reordered), '[{"type":"function","function":{"name":"add","parameters":{"b":{"y":[1,2],"x":true},"a":1}}}]');
  assert.equal(toolsText(a), '[{"type":"function","function":{"name":"add","parameters":{"a":1,"b":{"x":true,"y":[1,2]}}}}]');
});

test('tools that differ only in a float 1.0 for the int 1, or in a big integer\'s last digits, are other contents, whichever was keyed first', () => {
  for (const [one, other] of [['{"a": 1}', '{"a": 1.0}'], ['{"a": 1.0}', '{"a": 1}'], ['{"a": 12345678901234567890}', '{"a": 12345678901234567000}'], ['{"a": 1e3}', '{"a": 1000}']]) {
    const first = contentKeys(chatWith(tool(one!)));
    const second = contentKeys(chatWith(tool(other!)));
    assert.notEqual(second.content, first.content, `${one} vs ${other}`);
    assert.notEqual(second.renderedWith, first.renderedWith, `${one} vs ${other}`);
    // and each again, read apart, is its own content still
    assert.equal(contentKeys(chatWith(tool(one!))).content, first.content);
    assert.equal(contentKeys(chatWith(tool(other!))).content, second.content);
  }
});

test('a chat\'s content key is JSON of its turns, its tools and its template variables as canonical JSON, as written before their reuse', () => {
  const r: DataRecord = { ...chatWith(tool('{"b": 1.0, "a": "x\\"y"}')), chatTemplateKwargs: { z: true, a: [1] } } as DataRecord;
  const tools = '[{"function":{"name":"add","parameters":{"a":"x\\"y","b":1.0}},"type":"function"}]', kwargs = '{"a":[1],"z":true}';
  for (let twice = 0; twice < 2; twice++) {
    const keys = contentKeys(r);
    assert.equal(keys.content, JSON.stringify(['chat', [['user', 'Add 1 and 2.'], ['assistant', '3']], tools, ['chat_template_kwargs', kwargs]]));
    assert.equal(keys.renderedWith, JSON.stringify([tools, kwargs]));
  }
  const { chatTemplateKwargs: _, ...withoutKwargs } = r as Extract<DataRecord, { shape: 'chat' }>;
  assert.equal(contentKeys(withoutKwargs).renderedWith, JSON.stringify([tools, null]));
  assert.equal(contentKeys({ shape: 'chat', messages: withoutKwargs.messages, chatTemplateKwargs: { a: [1], z: true } }).content,
    JSON.stringify(['chat', [['user', 'Add 1 and 2.'], ['assistant', '3']], ['chat_template_kwargs', kwargs]]));
  assert.equal(contentKeys({ shape: 'chat', messages: withoutKwargs.messages }).renderedWith, '');
});
