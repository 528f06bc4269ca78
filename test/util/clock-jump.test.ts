// Time bounds are kept by the monotonic clock, not the wall clock, which NTP, a machine woken from sleep or a user may
// set forward or back while a command runs: set forward, the wall clock made a quick chat-template render (on its
// worker thread, or in this one) fail as "took longer than 2000 ms", which stopped prepare or train. Date.now is made
// to jump an hour forward at each call here, as if the clock were set forward during each wait.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplate, chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';

const TEMPLATE = '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}';
const MESSAGES = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] as const;
const RENDERED = '[user] hi\n[assistant] hello\n';

/** Makes the wall clock (Date.now) jump an hour forward at every read, for the rest of test `t`. */
function clockJumpsForward(t: TestContext): void {
  const real = Date.now;
  let jumps = 0;
  Date.now = () => real() + 3_600_000 * ++jumps;
  t.after(() => { Date.now = real; });
}

test('a render in this thread is not stopped as too long when the wall clock jumps forward during it', (t) => {
  const render = chatTemplateRenderer(TEMPLATE);
  clockJumpsForward(t);
  assert.deepEqual(render({ messages: [...MESSAGES], addGenerationPrompt: false, tokens: {}, limits: RENDER_LIMITS }), { text: RENDERED });
});

test('a render on the template\'s worker thread is waited for by the monotonic clock: a wall clock set forward is no timeout', (t) => {
  const template = new ChatTemplate(TEMPLATE, { bosToken: '<s>', eosToken: '</s>', source: 'test' });
  assert.equal(template.render([...MESSAGES]), RENDERED); // the worker started, before the clock jumps
  clockJumpsForward(t);
  assert.equal(template.render([...MESSAGES]), RENDERED);
});
