// mistral-tune generate: text from a model (and adapter), streamed. Its usage and the checks of its flags that read
// no model are generate-flags.ts's; the work (generate-thread.ts) runs on a thread of its own (command-thread.ts), so
// that a JavaScript heap filled up is said in one line, not with V8's fatal error and its stack.
import { threadModule } from '../util/worker-boot.ts';
import { runOnThread } from './command-thread.ts';
import type { GenerateArgs } from './generate-flags.ts';

export function run(args: GenerateArgs): Promise<void> {
  return runOnThread<void>(threadModule('generate-thread', import.meta.url).href, 'generateCommand', args, {
    onStop: () => {}, // it writes no file
    stdoutIsOutput: true, // `generate … | head -5` ends once head has its lines, not after the rest is generated
  });
}
