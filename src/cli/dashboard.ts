// mistral-tune dashboard: serves the live training dashboard for one or more run directories until
// Ctrl-C (SIGINT) or SIGTERM. Its usage and flags are dashboard-flags.ts's, parsed before this module (the server) loads,
// with the values of those before the first run folder; the run folders and the flags after one are checked here, in
// command-line order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realRunDir, startDashboard } from '../dashboard/server.ts';
import { RUN_EVIDENCE } from '../run/layout.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { oneLine } from '../util/json-file.ts';
import { info, warn } from '../util/log.ts';
import { onStopSignal } from '../util/stop-signals.ts';
import { portOption, type Parsed } from './args.ts';
import { checkFlag, type DashboardFlags } from './dashboard-flags.ts';

const MAX_DEPTH = 3;

/**
 * Run folders under `root`, nested up to MAX_DEPTH levels (runs/quickstart/run), in natural order; none inside a run.
 * Symlinks are not followed (one out of the runs folder would show whatever it points to): each is pushed to `links`.
 * A run folder whose name is not UTF-8 is warned of once per `said` (the folders of runs are looked at again while the dashboard serves).
 */
function discoverRuns(root: string, links: string[] = [], said = new Set<string>(), depth = 1): string[] {
  let entries: Array<fs.Dirent<Buffer>>;
  try {
    // names as bytes: one that is not UTF-8 decodes to U+FFFD, which names no folder
    entries = fs.readdirSync(root, { withFileTypes: true, encoding: 'buffer' });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const name = e.name.toString('utf8');
    if (name.startsWith('.')) continue;
    const dir = path.join(root, name);
    if (e.isSymbolicLink()) links.push(dir);
    if (!e.isDirectory()) continue;
    if (!Buffer.from(name, 'utf8').equals(e.name)) {
      // node opens files by string names only: such a run cannot be read, so it is said, not dropped silently
      const raw = Buffer.concat([Buffer.from(root + path.sep), e.name]);
      if (!said.has(dir) && RUN_EVIDENCE.some((f) => fs.existsSync(Buffer.concat([raw, Buffer.from(path.sep + f)])))) {
        said.add(dir);
        warn(`${dir}: a run folder whose name is not valid UTF-8 is not shown (node cannot open it by name); rename it to show it`);
      }
      continue;
    }
    if (isRun(dir)) out.push(dir);
    else if (depth < MAX_DEPTH) out.push(...discoverRuns(dir, links, said, depth + 1));
  }
  return out.sort(byNaturalOrder);
}

/** runs/lr-sweep-2 before runs/lr-sweep-10: numbers in names compare as numbers. */
const byNaturalOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Whether `p` is a folder; false for a path that cannot be one (ENOTDIR: a file on the way), which the server names. */
function isFolder(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

const isRun = (dir: string): boolean => RUN_EVIDENCE.some((f) => fs.existsSync(path.join(dir, f)));

/** What an error that no run was found adds when symlinks were met on the way (not followed). */
const LINKS_HINT = (links: number): string => (links > 0 ? ` (${links} symlink${links > 1 ? 's' : ''} met, not followed: give the folders they point to)` : '');

/**
 * Warns of each symlink met while finding runs (`links`) that leads to runs not among `runs` (by real path): it is not
 * followed, and not dropped silently either (runs/big -> /data/runs showed nothing, and said nothing).
 */
function sayLinksNotFollowed(links: readonly string[], runs: readonly string[]): void {
  const realOf = (p: string): string | null => {
    try {
      return fs.realpathSync(p);
    } catch {
      return null;
    }
  };
  const shown = new Set(runs.map(realOf));
  for (const link of [...links].sort(byNaturalOrder)) {
    if (!isFolder(link)) continue; // dangling, or to a file
    const run = isRun(link);
    const missed = (run ? [link] : discoverRuns(link)).filter((r) => !shown.has(realOf(r)));
    if (missed.length === 0) continue;
    const what = run ? 'a run' : `a folder of ${missed.length} run${missed.length > 1 ? 's' : ''} not shown otherwise`;
    warn(`${link}: a symlink to ${realOf(link)} (${what}), not followed; give it as a RUN_DIR to show ${run ? 'it' : 'them'}`);
  }
}

/**
 * The runs a RUN_DIR argument stands for: itself when it is a run; for a folder of runs (runs/, runs/quickstart), the
 * runs inside it, found as with no argument, with a note saying so (printed once every argument is checked, so that an
 * error is the first line); a path that is no folder, or a folder that is neither, is refused.
 */
function runsOf(dir: string, links: string[], said: Set<string>): { runs: string[]; note: string | null } {
  if (!isFolder(dir)) realRunDir(dir); // says why it is none: "no such run directory", "not a directory"
  if (isRun(dir)) return { runs: [dir], note: null };
  const linksBefore = links.length;
  const inside = discoverRuns(dir, links, said);
  if (inside.length === 0) {
    throw new UserError(`not a run folder (no ${RUN_EVIDENCE.join(' or ')}) and no run folder inside it${LINKS_HINT(links.length - linksBefore)}: give the output_dir of a train run`, dir);
  }
  return { runs: inside, note: `${oneLine(dir)} is not a run folder: showing the ${inside.length} run${inside.length > 1 ? 's' : ''} in it` };
}

export async function run({ values: f, positionals, order }: Parsed<DashboardFlags>): Promise<void> {
  // the flags and run folders checked in the order given, so the first line is the first mistake; that no run was
  // given and none found under ./runs is no argument's, and is said after every argument is found right
  const runs: string[] = [], notes: string[] = [], links: string[] = [];
  // the folders of runs given (or ./runs), looked at again while the dashboard runs: a run made in one since is shown
  const folders: string[] = [];
  const said = new Set<string>();
  for (const t of order) {
    if (t.kind === 'option') {
      checkFlag(t.name, t.value);
      continue;
    }
    const of = runsOf(t.value, links, said);
    runs.push(...of.runs);
    if (of.note !== null) {
      notes.push(of.note);
      folders.push(t.value);
    }
  }
  if (positionals.length === 0) {
    runs.push(...discoverRuns('runs', links, said));
    folders.push('runs');
  }
  if (runs.length === 0) {
    // a missing ./runs (the dashboard started outside the project folder, or before any train) is no empty one
    if (positionals.length === 0 && !isFolder('runs')) {
      throw new UserError('no run directories given, and there is no ./runs folder here: give a run folder (the output_dir of a train run), or train one first');
    }
    throw new UserError(`no run directories given and none found under ./runs${LINKS_HINT(links.length)} (see mistral-tune dashboard --help)`);
  }
  sayLinksNotFollowed(links, runs);
  for (const note of notes) info(note);
  const port = portOption(f.port);
  // symlinks met later are not followed either, and not said again (sayLinksNotFollowed is for the start)
  const findRuns = folders.length === 0 ? undefined : (): string[] => folders.flatMap((d) => discoverRuns(d, [], said));
  const dash = await startDashboard({ runs, port, host: f.host, allowHosts: f['allow-host'], findRuns }, FLAG_WORDS);
  // the signal handlers are in place before the URL is printed: whoever reads it may stop us at once
  const stopped = new Promise<void>((resolve) => {
    let closing = false;
    const stop = (): void => {
      if (closing) return;
      closing = true;
      off();
      void dash.close().then(resolve);
    };
    const off = onStopSignal(stop);
    // started by `train --dashboard`: stop with that process, however it ends
    const parent = Number(process.env.MISTRAL_TUNE_PARENT_PID);
    if (parent > 0) {
      setInterval(() => {
        try {
          process.kill(parent, 0);
        } catch {
          stop();
        }
      }, 1000).unref();
    }
  });
  // a run folder's name may hold a line break or a terminal escape (a sweep unpacked from elsewhere): shown escaped
  for (const r of dash.runs) info(`run ${r.id}: ${oneLine(r.path)}`);
  info(`dashboard: ${dash.url}  (Ctrl-C to stop)`);
  // started by `train --dashboard`: tell it that the dashboard serves (the channel must not keep us alive)
  if (process.send) {
    // a callback, so that a parent gone meanwhile (killed) is no crash: the watch above stops us with it
    process.send({ url: dash.url }, () => {});
    process.channel?.unref();
  }
  await stopped;
}
