// startDashboard's options checked, each refusal naming the option as its caller wrote it: a library call's
// `startDashboard: options.port`, the CLI's flag (`--port`, FLAG_WORDS); a library call's misspelt key (`poll_ms`,
// `allowHost`) is refused rather than ignored.
import { badArgument, needArg, needPath, optionKeys, refuseMisspelledKeys, shown } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import { connectionLimits, type ConnectionLimits } from './connections.ts';
import { allowHostProblem, canonicalHost, hostProblem } from './host-names.ts';
import { HEARTBEAT_MS } from './sse.ts';

/** The longest delay setTimeout takes; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const FN = 'startDashboard';
const RUN_FOLDER = 'a run folder (the output_dir of a train run)';

export interface DashboardOptions {
  /** Run directories (each holds, or will hold, metrics.jsonl, config.yaml, report.json). */
  runs: string[];
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Default 127.0.0.1. Anything else exposes the runs to whoever can reach that address (warned). */
  host?: string;
  /** Host-header names answered besides this machine's own names and addresses (e.g. a DNS name of it). */
  allowHosts?: string[];
  /** How often the runs that changed (and a few others in turn: poll-plan.ts) are read, in ms (default 250). */
  pollMs?: number;
  /** How many connections, and how long a request header may take (connections.ts); the defaults suit any use. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Finds run folders again (the CLI: those under ./runs, or under a folder of runs given), every `findRunsMs`: each not
   * shown yet is added to the dashboard and to the open pages, as a train started after the dashboard makes one. */
  findRuns?: () => string[];
  /** How often `findRuns` is called, in ms (default 1500: a directory walk of bounded depth, so an idle dashboard's cost
   * stays small). */
  findRunsMs?: number;
  /** How often each /events stream is sent a heartbeat, in ms (default 15,000); a page that hears nothing on its stream
   * for 3 of them takes it for lost (a network dropped without a word) and asks again. */
  heartbeatMs?: number;
}

export interface CheckedOptions {
  host: string;
  port: number;
  pollMs: number;
  findRunsMs: number;
  heartbeatMs: number;
  limits: ConnectionLimits;
}

/** `opts` checked (the run folders' existence aside: makeWatchers), with their defaults. */
export function checkDashboardOptions(opts: DashboardOptions, words: OptionWords): CheckedOptions {
  needArg(FN, 'options', opts, 'object', { hint: "an object such as {runs: ['runs/my-run']}" });
  needArg(FN, 'options.runs', opts.runs, 'string[]', { hint: 'a list of run folders' });
  /** Where a refusal of the option `name` is placed: `startDashboard: options.NAME`, or the flag. */
  const at = (name: string): string => words.where === undefined ? words.say(name) : `${words.where}: ${words.say(name)}`;
  if (!words.cli) {
    refuseMisspelledKeys(FN, 'options', opts, optionKeys<DashboardOptions>()(['runs', 'port', 'host', 'allowHosts', 'pollMs', 'connectionLimits', 'findRuns', 'findRunsMs', 'heartbeatMs']));
    if (opts.runs.length === 0) throw new UserError(`${words.say('runs')} is an empty list: give at least one run folder (the output_dir of a train run)`, FN);
    opts.runs.forEach((d, i) => needPath(FN, `${words.say('runs')}[${i}]`, d, 'folder', RUN_FOLDER));
    if (opts.allowHosts !== undefined) needArg(FN, words.say('allowHosts'), opts.allowHosts, 'string[]', { hint: 'a list of host names' });
    if (opts.connectionLimits !== undefined) {
      needArg(FN, words.say('connectionLimits'), opts.connectionLimits, 'object');
      refuseMisspelledKeys(FN, words.say('connectionLimits'), opts.connectionLimits, optionKeys<ConnectionLimits>()(['max', 'reserve', 'headerMs', 'stallMs']));
    }
  } else if (opts.runs.length === 0) throw new UserError('no run directories given');
  const givenHost = opts.host ?? '127.0.0.1';
  const badHost = hostProblem(givenHost);
  if (badHost) throw new UserError(badHost, at('host'));
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`${words.say('port')} is ${shown(port)}: give an integer from 0 to 65535 (0: any free port)`, words.where);
  // NaN, 0, a negative number or one past a timer's range (2^31 - 1) is a 1 ms timer: the runs polled without pause
  const pollMs = timerMs(opts.pollMs ?? 250, 'pollMs', words);
  const findRunsMs = timerMs(opts.findRunsMs ?? 1500, 'findRunsMs', words);
  const heartbeatMs = timerMs(opts.heartbeatMs ?? HEARTBEAT_MS, 'heartbeatMs', words);
  if (opts.findRuns !== undefined) needArg(FN, words.say('findRuns'), opts.findRuns, 'function', { hint: 'a function returning run folders' });
  const limits = connectionLimits(opts.connectionLimits, at('connectionLimits'));
  for (const name of opts.allowHosts ?? []) {
    const problem = allowHostProblem(name);
    if (problem) throw new UserError(problem, at('allowHosts'));
  }
  return { host: canonicalHost(givenHost), port, pollMs, findRunsMs, heartbeatMs, limits };
}

/** `ms` as a timer's delay, or a UserError naming the option `name`. */
function timerMs(ms: number, name: string, words: OptionWords): number {
  if (!(typeof ms === 'number' && ms > 0 && ms <= MAX_TIMER_MS)) throw badArgument(FN, words.say(name), ms, `a positive number of milliseconds up to ${MAX_TIMER_MS}`);
  return ms;
}
