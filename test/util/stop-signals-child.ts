// The child process of stop-signals.test.ts: stop listeners as the commands chain them (a first stop's listener adds
// the one that hears a second), in the mode its argument names; what it heard goes to stdout, one line each.
import * as fs from 'node:fs';
import { exitBySignal, onStopSignal, type StopSignal } from '../../src/util/stop-signals.ts';

const say = (line: string): void => void fs.writeSync(1, `${line}\n`);
const mode = process.argv[2];
const keepAlive = setInterval(() => {}, 60_000);

if (mode === 'window') {
  // a second signal comes after the first's listener is called, before it has added the next one
  onStopSignal((first) => {
    say(`first ${first}`);
    process.kill(process.pid, 'SIGTERM');
    onStopSignal((second) => {
      say(`second ${second}`);
      exitBySignal(second);
    });
  });
  say('armed');
} else if (mode === 'rounds') {
  // `rounds` times: armed, then two signals from the test back to back; both heard, the second by the next listener
  const rounds = Number(process.argv[3]);
  const arm = (round: number): void => {
    if (round === rounds) {
      say('done');
      clearInterval(keepAlive);
      return;
    }
    onStopSignal(() => onStopSignal(() => setImmediate(() => arm(round + 1))));
    say(`armed ${round}`);
  };
  arm(0);
} else if (mode === 'exit') {
  // exitBySignal from a listener while another still listens: the process ends by the signal all the same
  onStopSignal((signal: StopSignal) => exitBySignal(signal));
  onStopSignal(() => say('other'));
  say('armed');
} else throw new Error(`stop-signals-child: unknown mode ${mode}`);
