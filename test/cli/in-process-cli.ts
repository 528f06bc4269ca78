// The CLI run in this process (main()), its stdout and stderr caught: for tests of what it says where spawning a
// process per case would cost more than the case.
import { main } from '../../src/cli/main.ts';

export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const [write, writeErr] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  // the CLI writes strings; the test runner's own reports (bytes) on stdout go through
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: []) => (typeof chunk === 'string' ? (out.push(chunk), true) : write(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: []) => (typeof chunk === 'string' ? (err.push(chunk), true) : writeErr(chunk, ...rest))) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}
