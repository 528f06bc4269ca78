// The CLI run in this process (main()), its stdout and stderr caught: for tests of what it says where spawning a
// process per case would cost more than the case. Its commands' thread is kept from one to the next (their modules
// loaded: command-thread.ts keepCommandThread).
import { keepCommandThread } from '../../src/cli/command-thread.ts';
import { main } from '../../src/cli/main.ts';

keepCommandThread();

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

/**
 * The CLI through main() in this process, run from the folder `cwd` (its relative paths and the names in its messages
 * are from there), in the shape spawnSync reports a process's run. Its threads still find this process's --import
 * preloads (src/cli/process-preloads.ts resolves them from the folder the process started in).
 */
export async function cliIn(cwd: string, argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const was = process.cwd();
  process.chdir(cwd);
  try {
    const r = await cli(argv);
    return { status: r.code, stdout: r.out, stderr: r.err };
  } finally {
    process.chdir(was);
  }
}
