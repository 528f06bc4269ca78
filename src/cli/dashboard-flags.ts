// mistral-tune dashboard's usage and flags, parsed before dashboard.ts (the server) loads, with the values of the flags
// given before any run folder (`dashboard --port abc` is said at the cost of the CLI's own modules); the run folders
// and the flags after one are checked there, in command-line order, as a run folder given before a bad value is said first.
import { allowHostProblem, hostProblem } from '../dashboard/host-names.ts';
import { UserError } from '../util/errors.ts';
import { parseCommand, portOption, type Parsed } from './args.ts';

export const usage = `mistral-tune dashboard [RUN_DIR...] [options]

A web page with the runs' curves (train and val loss, learning rate, tokens/s, grad norm, device
memory), overlaid for comparison and updated live as metrics.jsonl grows, with each run's config,
test report (confusion matrix for classification) and generation samples. Works offline.

  RUN_DIR...      run directories (default: every run folder under ./runs, nested ones such as
                  runs/quickstart/run too); a folder of runs (runs/, runs/quickstart) shows the runs
                  in it. A run made under ./runs or such a folder while the dashboard serves (a train
                  started after it) is added, to the open pages too, within about 2 s
  --port N        port to listen on (default 0: any free port; the URL is printed on stderr)
  --host H        address to bind (default 127.0.0.1, this machine only). Another address, e.g.
                  0.0.0.0, shows the runs' files to everyone who can reach it (a warning says so);
                  requests must still be addressed to this machine's name or addresses
  --allow-host N  also answer requests addressed to the name N (e.g. a DNS name of this machine);
                  may be repeated`;

export interface DashboardFlags {
  port?: string;
  host?: string;
  'allow-host'?: string[];
  help?: boolean;
}

/** dashboard's flags and run folders in command-line order; null: -h. */
export function parse(argv: string[]): Parsed<DashboardFlags> | null {
  const parsed = parseCommand<DashboardFlags>(
    'dashboard',
    argv,
    { port: { type: 'string' }, host: { type: 'string' }, 'allow-host': { type: 'string', multiple: true }, help: { type: 'boolean' } },
    true,
  );
  if (parsed.values.help) return null;
  for (const t of parsed.order) {
    if (t.kind !== 'option') break; // a run folder: it, and what follows, dashboard.ts checks in order
    checkFlag(t.name, t.value);
  }
  return parsed;
}

/** Refuses a bad value of the flag `name` in one line. */
export function checkFlag(name: string, value: string | undefined): void {
  if (name === 'port') portOption(value);
  if (name === 'host' && value === '') throw new UserError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0');
  const badHost = name === 'host' && value !== undefined ? hostProblem(value) : null;
  if (badHost) throw new UserError(badHost, '--host');
  const problem = name === 'allow-host' && value !== undefined ? allowHostProblem(value) : null;
  if (problem) throw new UserError(problem, '--allow-host');
}
