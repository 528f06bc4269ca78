// A fault probe, not a test: kills the commands that write files (train, export, prepare, quickstart) at random
// moments, or at the Nth file-system mutation (scripts/kill-probe/hook.ts), and checks what the kill left and what
// the next command makes of it. The house rules it checks (README, DESIGN.md): no half-written file under a final
// name, leftovers only under the temp names of src/util/leftover-names.ts and gone after the next run, files of the
// user's untouched, `train --resume` after a kill giving the same adapter/model, metrics rows and report.json as an
// uninterrupted run (bit for bit on the CPU), `train --overwrite` and a rerun of export/prepare/quickstart working
// (or refusing in one line, exit 2). Its arguments: USAGE below (--help prints it). Each failure is printed as one line
// with what reproduces it (the delay, or MT_PROBE_KILL_AT=N).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLeftover } from '../src/util/leftover-names.ts';
import { RUN_LAYOUT } from '../src/run/layout.ts';
import { Rng } from '../src/util/rng.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const HOOK = path.join(ROOT, 'scripts', 'kill-probe', 'hook.ts');
const TINY = path.join(ROOT, 'models', 'mistral-tune-tiny');

const CASES = ['train-lora', 'train-full', 'train-cls', 'export-adapter', 'export-merge', 'export-gguf', 'export-gguf-lora', 'prepare', 'quickstart'];
const USAGE = `usage: node --import tsx scripts/kill-probe.ts CASE [--trials N] [--seed S] [--at time|op [--ops REGEX]] [--signal KILL|INT|TERM|mix] [--into-empty] [--over-finished] [--work DIR]
  CASE: ${CASES.join(', ')} (default train-lora)
  --ops: only mutations whose line in the reference's trace, "N op path", matches, e.g. 'rmSync.*checkpoints' for the
    rotation or 'old-best' for best/'s swap
  --into-empty: an export's --out is an empty folder made beforehand
  --over-finished: the train killed is an --overwrite of a finished run`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const flag = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const CASE = argv[0] ?? 'train-lora';
if (!CASES.includes(CASE)) {
  console.error(`kill-probe: unknown case ${CASE} (one of ${CASES.join(', ')})\n${USAGE}`);
  process.exit(2);
}
const TRIALS = Number(flag('trials', '6'));
const rng = new Rng(Number(flag('seed', '1')));
const AT = flag('at', 'time') as 'time' | 'op';
const SIGNAL = flag('signal', 'KILL');
/** With --at op: only the mutations whose line in the reference's trace ("N op path") matches this are kill points. */
const OPS = new RegExp(flag('ops', '.'));
const INTO_EMPTY = argv.includes('--into-empty');
/** train: the killed command is `train --overwrite` of a finished run (a copy of the reference), not a new run. */
const OVER_FINISHED = argv.includes('--over-finished');
const WORK = path.resolve(flag('work', `/tmp/kill-probe/${CASE}${INTO_EMPTY ? '-into-empty' : ''}${OVER_FINISHED ? '-over-finished' : ''}`));

interface Result { code: number | null; signal: string | null; stderr: string; ms: number }
const failures: string[] = [];
let kills = 0;

/** Runs the CLI; with `kill` the process is stopped by a signal after `delayMs` or at mutation `op`. */
function cli(args: string[], cwd: string, kill?: { delayMs?: number; op?: number; signal?: string; trace?: string }): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, MT_PROBE_LOG: path.join(WORK, 'kills.log') };
  const node = kill?.op !== undefined || kill?.trace ? ['--import', import.meta.resolve('tsx'), '--import', HOOK] : [];
  if (kill?.op !== undefined) {
    env.MT_PROBE_KILL_AT = String(kill.op);
    env.MT_PROBE_SIGNAL = kill.signal ?? 'KILL';
  }
  if (kill?.trace) {
    fs.rmSync(kill.trace, { force: true });
    env.MT_PROBE_TRACE = kill.trace;
  }
  const started = Date.now();
  const child = spawn(process.execPath, [...node, BIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (kill?.delayMs !== undefined) timer = setTimeout(() => child.kill(`SIG${kill.signal ?? 'KILL'}` as NodeJS.Signals), kill.delayMs);
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stderr, ms: Date.now() - started });
  }));
}

function walk(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  if (!fs.lstatSync(dir).isDirectory()) return [path.relative(path.dirname(base), dir)];
  return fs.readdirSync(dir).sort().flatMap((e) => {
    const p = path.join(dir, e);
    return fs.lstatSync(p).isDirectory() ? [path.relative(base, p) + '/', ...walk(p, base)] : [path.relative(base, p)];
  });
}

/** Entries under temp names (leftovers of a killed write) in the tree at `dir`. */
const leftovers = (dir: string): string[] => walk(dir).filter((p) => p.split('/').some((seg) => seg !== '' && parseLeftover(seg) !== null));

/** What is wrong with a file under a final name: a JSON file that does not parse, a safetensors file cut short. */
function badFile(file: string): string | null {
  const buf = fs.readFileSync(file);
  if (file.endsWith('.json')) {
    try {
      JSON.parse(buf.toString('utf8'));
    } catch {
      return 'is not whole JSON';
    }
  }
  if (file.endsWith('.safetensors')) {
    if (buf.length < 8) return 'safetensors shorter than its header';
    const n = Number(buf.readBigUInt64LE(0));
    try {
      const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
      const end = Math.max(0, ...Object.values(header).map((t) => t.data_offsets?.[1] ?? 0));
      if (8 + n + end !== buf.length) return `safetensors of ${buf.length} bytes, header says ${8 + n + end}`;
    } catch {
      return 'safetensors header is not whole';
    }
  }
  if (file.endsWith('.gguf')) {
    if (buf.length < 4 || buf.toString('latin1', 0, 4) !== 'GGUF') return 'GGUF without its magic';
  }
  return null;
}

/** Half-written files under final names (not temps) in the tree at `dir`; metrics.jsonl is an append log, its last line may be cut. */
function halfWritten(dir: string): string[] {
  return walk(dir).filter((p) => !p.endsWith('/') && !p.split('/').some((seg) => parseLeftover(seg) !== null))
    .map((p) => [p, badFile(path.join(fs.lstatSync(dir).isDirectory() ? dir : path.dirname(dir), p))] as const)
    .filter(([, bad]) => bad !== null).map(([p, bad]) => `${p} ${bad}`);
}

const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
const TIMING = new Set(['tokens_per_s', 'mem_bytes', 'peak_mem_bytes', 'mfu']);
const metricRows = (run: string): string[] => read(path.join(run, RUN_LAYOUT.metrics)).trim().split('\n')
  .map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l) as object).filter(([k]) => !TIMING.has(k)))));

/** Differences between two trees: names, and bytes of every file but the run marker (it holds its creation time). */
function treeDiff(a: string, b: string, skip: (p: string) => boolean = () => false): string[] {
  const ta = walk(a).filter((p) => !skip(p)), tb = walk(b).filter((p) => !skip(p));
  const out: string[] = [];
  const only = (x: string[], y: string[], tag: string) => x.filter((p) => !y.includes(p)).forEach((p) => out.push(`${tag} ${p}`));
  only(ta, tb, 'only in reference:');
  only(tb, ta, 'only in result:');
  for (const p of ta.filter((p) => tb.includes(p) && !p.endsWith('/'))) {
    const fa = fs.lstatSync(a).isDirectory() ? path.join(a, p) : a, fb = fs.lstatSync(b).isDirectory() ? path.join(b, p) : b;
    if (!fs.readFileSync(fa).equals(fs.readFileSync(fb))) out.push(`differs: ${p}`);
  }
  return out;
}

function fail(what: string, repro: string): void {
  const line = `FAIL ${CASE} [${repro}] ${what}`;
  failures.push(line);
  console.log(line);
}

/** A rerun's result is fine when it worked, or refused in one line (exit 2) — returns false (nothing to compare) then. */
function acceptRerun(r: Result, what: string, repro: string): boolean {
  if (r.code === 0) return true;
  const lines = r.stderr.trim().split('\n').filter((l) => /error/i.test(l));
  if (r.code === 2 && lines.length === 1) {
    console.log(`  ${what} refused: ${lines[0]}`);
    return false;
  }
  fail(`${what} exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, repro);
  return false;
}

const USER_FILE = 'mine.txt';
const USER_TEXT = 'the user\'s own file\n';
function checkUserFile(dir: string, repro: string, when: string): void {
  if (read(path.join(dir, USER_FILE)) !== USER_TEXT) fail(`${when}: the user's ${path.join(path.basename(dir), USER_FILE)} was changed or removed`, repro);
}

/** A kill moment: a random delay (uniform over the reference's wall time) or a random mutation number. */
interface Moment { delayMs?: number; op?: number; signal: string }
function moments(refMs: number, trace: string): Moment[] {
  const signals = ['KILL', 'INT', 'TERM'];
  const ops = read(trace).split('\n').filter((l) => l !== '' && OPS.test(l)).map((l) => Number(l.split(' ')[0]));
  if (AT === 'op' && ops.length === 0) throw new Error(`no mutation of the reference matches --ops ${OPS.source}`);
  console.log(`reference: ${refMs} ms, ${ops.length} mutations to kill at`);
  return Array.from({ length: TRIALS }, () => {
    const signal = SIGNAL === 'mix' ? signals[rng.below(3)]! : SIGNAL;
    return AT === 'op' ? { op: ops[rng.below(ops.length)]!, signal } : { delayMs: Math.round(rng.next() * refMs * 1.05), signal };
  });
}

/** What else a stop must not leave: a temporary file (a lock's, an older version's out-file.ts .NAME.PID.tmp), a lock or hold, an export's staging folder. */
const STOP_LEFTOVER = /(^|\/)[^/]*\.tmp$|(^|\/)\.mistral-tune\.lock[^/]*$|(^|\/)\.partial-export-/;

/**
 * A killed command ends by the signal it was sent (SIGKILL at a mutation), or exits 130/143 for SIGINT/SIGTERM, or
 * had finished (0): anything else — SIGABRT, a native abort in the middle of the stop — is a failure.
 */
function checkEnding(r: Result, m: Moment, repro: string, dir: string): void {
  const sent = m.signal;
  const byExit: Record<string, number> = { INT: 130, TERM: 143 };
  // a stop (not a kill) removes the temporary files it was writing and its locks before it ends (README): the next
  // run removing them is not enough (a prepare stopped as it took its lock left the lock's temporary)
  if (sent !== 'KILL' && r.code !== 0) {
    // leftovers(): a folder's temporary or moved-aside copy too (.tmp-adapter-PID/, .old-NAME-PID/), which no *.tmp names
    const left = [...new Set([...leftovers(dir), ...walk(dir).filter((p) => STOP_LEFTOVER.test(p))])];
    if (left.length) fail(`SIG${sent}: its temporary files or locks left: ${left.join(' ')}`, repro);
  }
  if (r.code === 0 || r.signal === `SIG${sent}` || (r.signal === null && r.code === byExit[sent])) return;
  fail(`SIG${sent} ended it by ${r.signal ?? `exit ${r.code}`}: ${r.stderr.trim().split('\n').filter((l) => l !== '').slice(0, 2).join(' | ')}`, repro);
}
const reproOf = (m: Moment): string => (m.op !== undefined ? `MT_PROBE_KILL_AT=${m.op}${m.signal === 'KILL' ? '' : ` MT_PROBE_SIGNAL=${m.signal}`}` : `SIG${m.signal} after ${m.delayMs} ms`);

// ---- the data every case uses: a slice of the bundled examples, generation and classification -------------
function writeData(): void {
  const qa = fs.readFileSync(path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl'), 'utf8').split('\n');
  fs.writeFileSync(path.join(WORK, 'qa.jsonl'), qa.slice(0, 60).join('\n') + '\n');
  const csv = fs.readFileSync(path.join(ROOT, 'examples', 'data', 'countries-continent.csv'), 'utf8').split('\n');
  fs.writeFileSync(path.join(WORK, 'continent.csv'), csv.slice(0, 81).join('\n') + '\n');
}

async function prepared(): Promise<void> {
  if (fs.existsSync(path.join(WORK, 'gen', 'train.jsonl'))) return;
  for (const [out, input, extra] of [['gen', 'qa.jsonl', []], ['cls', 'continent.csv', ['--task', 'classification']]] as const) {
    const r = await cli(['prepare', '--input', input, '--out', out, '--quiet', ...extra], WORK);
    if (r.code !== 0) throw new Error(`prepare ${out}: ${r.stderr}`);
  }
}

const TRAIN: Record<string, string[]> = {
  'train-lora': ['data: {train: gen/train.jsonl, val: gen/val.jsonl}', 'lora: {r: 4, alpha: 8, dropout: 0.1}', 'max_steps: 8',
    'eval: {every_steps: 2, samples: 1}', 'checkpoint: {every_steps: 2, keep: 1}'],
  'train-full': ['data: {train: gen/train.jsonl, val: gen/val.jsonl, test: gen/test.jsonl}', 'method: full', 'max_steps: 6',
    'eval: {every_steps: 2, samples: 1}', 'checkpoint: {every_steps: 3, keep: 2}', 'optimizer: {lr: 1.0e-4}'],
  'train-cls': ['task: classification', 'data: {train: cls/train.jsonl, val: cls/val.jsonl, test: cls/test.jsonl}', 'lora: {r: 4}', 'max_steps: 12',
    'eval: {every_steps: 2}', 'checkpoint: {every_steps: 3, keep: 2}'],
};

function trainConfig(name: string): string {
  const file = path.join(WORK, `${name}.yaml`);
  fs.writeFileSync(file, [`model: ${TINY}`, ...TRAIN[name]!, 'batch_size: 2', 'max_seq_len: 64', 'seed: 3', `output_dir: runs/ref`].join('\n') + '\n');
  return file;
}

/** The comparison of a finished run with the reference: weights, best/, metrics rows, report.json. */
function compareRun(ref: string, run: string, repro: string, what: string): void {
  const diff = treeDiff(ref, run, (p) => p === RUN_LAYOUT.marker || p === RUN_LAYOUT.metrics || p.startsWith(RUN_LAYOUT.checkpoints) || p === RUN_LAYOUT.config);
  for (const d of diff) fail(`${what}: ${d}`, repro);
  const a = metricRows(ref), b = metricRows(run);
  if (a.join('\n') !== b.join('\n')) {
    const i = a.findIndex((r, j) => r !== b[j]);
    fail(`${what}: metrics.jsonl differs (${a.length} vs ${b.length} rows; first at row ${i}: ${b[i] ?? 'missing'} vs ${a[i]})`, repro);
  }
  const ck = (d: string) => walk(path.join(d, RUN_LAYOUT.checkpoints)).filter((p) => !p.endsWith('trainer_state.json'));
  if (ck(ref).join() !== ck(run).join()) fail(`${what}: checkpoints ${ck(run).join(' ')} vs ${ck(ref).join(' ')}`, repro);
  const left = leftovers(run);
  if (left.length) fail(`${what}: leftovers after a finished run: ${left.join(' ')}`, repro);
  if (fs.existsSync(path.join(run, RUN_LAYOUT.lock))) fail(`${what}: the lock is left after a finished run`, repro);
}

async function trainCase(): Promise<void> {
  const config = trainConfig(CASE);
  const ref = path.join(WORK, 'runs', 'ref');
  fs.rmSync(path.join(WORK, 'runs'), { recursive: true, force: true });
  const traced = path.join(WORK, 'reference.trace');
  let r0 = await cli(['train', config], WORK, { trace: traced });
  if (r0.code !== 0) throw new Error(`reference train: ${r0.stderr}`);
  const finished = `${ref}-finished`;
  if (OVER_FINISHED) { // the same mutations as the trials: an --overwrite of a finished run
    fs.cpSync(ref, finished, { recursive: true });
    r0 = await cli(['train', config, '--overwrite'], WORK, { trace: traced });
    if (r0.code !== 0) throw new Error(`reference train --overwrite: ${r0.stderr}`);
  }
  for (const [k, m] of moments(r0.ms, traced).entries()) {
    const repro = reproOf(m);
    const run = path.join(WORK, 'runs', `k${k}`), copy = `${run}-ow`;
    if (OVER_FINISHED) fs.cpSync(finished, run, { recursive: true });
    const killed = await cli(['train', config, '--output_dir', run, ...(OVER_FINISHED ? ['--overwrite'] : [])], WORK, { ...m });
    kills++;
    if (killed.code === 0) {
      console.log(`  #${k} ${repro}: finished before the kill`);
      compareRun(ref, run, repro, 'uninterrupted');
      continue;
    }
    console.log(`  #${k} ${repro}: stopped (${killed.signal ?? killed.code}), left ${walk(run).filter((p) => !p.endsWith('/')).length} files`);
    checkEnding(killed, m, repro, run);
    for (const h of halfWritten(run)) fail(`half-written after the kill: ${h}`, repro);
    if (fs.existsSync(run)) fs.cpSync(run, copy, { recursive: true });
    // a file of the user's put in the run's adapter/ after the kill must survive the resume
    const userDir = fs.existsSync(path.join(run, RUN_LAYOUT.adapter)) ? path.join(run, RUN_LAYOUT.adapter) : null;
    if (userDir) fs.writeFileSync(path.join(userDir, USER_FILE), USER_TEXT);
    const resumed = await cli(['train', config, '--output_dir', run, '--resume'], WORK);
    if (userDir) {
      checkUserFile(userDir, repro, 'resume');
      fs.rmSync(path.join(userDir, USER_FILE), { force: true });
    }
    if (acceptRerun(resumed, 'resume', repro)) compareRun(ref, run, repro, 'resume');
    const over = await cli(['train', config, '--output_dir', copy, '--overwrite'], WORK);
    if (acceptRerun(over, 'overwrite', repro)) compareRun(ref, copy, repro, 'overwrite');
    fs.rmSync(run, { recursive: true, force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const EXPORT: Record<string, { out: string; args: string[] }> = {
  'export-adapter': { out: 'adapter-out', args: [] },
  'export-merge': { out: 'merged', args: ['--merge'] },
  'export-gguf': { out: 'model.gguf', args: ['--format', 'gguf', '--quant', 'q4_k_m'] },
  'export-gguf-lora': { out: 'adapter.gguf', args: ['--format', 'gguf-lora'] },
};

async function exportCase(): Promise<void> {
  const { out, args } = EXPORT[CASE]!;
  const run = path.join(WORK, 'run');
  if (!fs.existsSync(path.join(run, RUN_LAYOUT.report))) {
    fs.rmSync(run, { recursive: true, force: true });
    const r = await cli(['train', trainConfig('train-lora'), '--output_dir', run], WORK);
    if (r.code !== 0) throw new Error(`train for export: ${r.stderr}`);
  }
  const refDir = path.join(WORK, 'ref');
  fs.rmSync(refDir, { recursive: true, force: true });
  fs.mkdirSync(refDir);
  if (INTO_EMPTY) fs.mkdirSync(path.join(refDir, out)); // the same path through the export, so the same mutations
  const traced = path.join(WORK, 'reference.trace');
  const r0 = await cli(['export', '--run', run, '--out', path.join(refDir, out), ...args], WORK, { trace: traced });
  if (r0.code !== 0) throw new Error(`reference export: ${r0.stderr}`);
  for (const [k, m] of moments(r0.ms, traced).entries()) {
    const repro = reproOf(m);
    const parent = path.join(WORK, `k${k}`);
    fs.rmSync(parent, { recursive: true, force: true });
    fs.mkdirSync(parent);
    fs.writeFileSync(path.join(parent, USER_FILE), USER_TEXT);
    const target = path.join(parent, out);
    if (INTO_EMPTY) fs.mkdirSync(target);
    const killed = await cli(['export', '--run', run, '--out', target, ...args], WORK, m);
    kills++;
    console.log(`  #${k} ${repro}: ${killed.code === 0 ? 'finished before the kill' : `stopped (${killed.signal ?? killed.code})`}; left ${walk(parent).join(' ')}`);
    checkEnding(killed, m, repro, parent);
    checkUserFile(parent, repro, 'kill');
    for (const h of halfWritten(target)) fail(`half-written after the kill: ${h}`, repro);
    if (killed.code !== 0 && fs.existsSync(target) && !(INTO_EMPTY && fs.readdirSync(target).every((e) => e.startsWith('.partial-export-')))) {
      const d = treeDiff(path.join(refDir, out), target, (p) => p.startsWith('.partial-export-'));
      // killed while the files of a whole export moved up into the folder given: listed, so the retry takes them back
      const listed = walk(target).some((p) => /^\.partial-export-\d+\/\.moving$/.test(p));
      if (d.length && listed) console.log(`  (a whole export was being moved into ${out}, the retry takes it back: ${d.join('; ')})`);
      else if (d.length) fail(`a partial export under the final name ${out}: ${d.join('; ')}`, repro);
    }
    // the retry: the same command, after removing a complete output (the user would not export twice into one)
    if (killed.code === 0 || (fs.existsSync(target) && treeDiff(path.join(refDir, out), target).length === 0)) {
      fs.rmSync(target, { recursive: true });
      if (INTO_EMPTY) fs.mkdirSync(target);
    }
    const again = await cli(['export', '--run', run, '--out', target, ...args], WORK);
    if (acceptRerun(again, 'rerun', repro)) {
      for (const d of treeDiff(path.join(refDir, out), target)) fail(`rerun: ${d}`, repro);
      const left = leftovers(parent);
      if (left.length) fail(`leftovers after the rerun: ${left.join(' ')}`, repro);
    }
    checkUserFile(parent, repro, 'rerun');
    fs.rmSync(parent, { recursive: true, force: true });
  }
}

async function prepareCase(): Promise<void> {
  const args = (out: string) => ['prepare', '--input', 'qa.jsonl', '--out', out, '--quiet'];
  const ref = path.join(WORK, 'prep-ref');
  fs.rmSync(ref, { recursive: true, force: true });
  const traced = path.join(WORK, 'reference.trace');
  const r0 = await cli(args(ref), WORK, { trace: traced });
  if (r0.code !== 0) throw new Error(`reference prepare: ${r0.stderr}`);
  for (const [k, m] of moments(r0.ms, traced).entries()) {
    const repro = reproOf(m);
    const out = path.join(WORK, `p${k}`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, USER_FILE), USER_TEXT);
    const killed = await cli(args(out), WORK, m);
    kills++;
    console.log(`  #${k} ${repro}: ${killed.code === 0 ? 'finished before the kill' : `stopped (${killed.signal ?? killed.code})`}; left ${walk(out).join(' ')}`);
    checkEnding(killed, m, repro, out);
    checkUserFile(out, repro, 'kill');
    for (const h of halfWritten(out)) fail(`half-written after the kill: ${h}`, repro);
    const again = await cli(args(out), WORK);
    if (acceptRerun(again, 'rerun', repro)) {
      for (const d of treeDiff(ref, out, (p) => p === USER_FILE)) fail(`rerun: ${d}`, repro);
      if (k % 3 === 0) {
        const t = await cli(['train', trainConfig('train-lora'), '--output_dir', path.join(out, 'run'), '--data.train', path.join(out, 'train.jsonl'), '--max_steps', '2'], WORK);
        if (t.code !== 0) fail(`train on the rerun's output: ${t.stderr.trim().split('\n').at(-1)}`, repro);
      }
    }
    checkUserFile(out, repro, 'rerun');
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function quickstartCase(): Promise<void> {
  const out = path.join(WORK, 'qs');
  const args = ['quickstart', '--out', out, '--epochs', '1', '--overwrite'];
  // the reference replaces a complete quickstart, as every trial does (the same mutations in the same order)
  fs.rmSync(out, { recursive: true, force: true });
  if ((await cli(['quickstart', '--out', out, '--epochs', '1'], WORK)).code !== 0) throw new Error('first quickstart');
  const traced = path.join(WORK, 'reference.trace');
  const r0 = await cli(args, WORK, { trace: traced });
  if (r0.code !== 0) throw new Error(`reference quickstart: ${r0.stderr}`);
  const ref = path.join(WORK, 'qs-ref');
  fs.rmSync(ref, { recursive: true, force: true });
  fs.cpSync(out, ref, { recursive: true });
  const skip = (p: string) => p.endsWith(RUN_LAYOUT.marker) || p.endsWith(RUN_LAYOUT.metrics) || p.endsWith('trainer_state.json');
  for (const [k, m] of moments(r0.ms, traced).entries()) {
    const repro = reproOf(m);
    const killed = await cli(args, WORK, m);
    kills++;
    console.log(`  #${k} ${repro}: ${killed.code === 0 ? 'finished before the kill' : `stopped (${killed.signal ?? killed.code})`}; ${walk(out).length} entries left`);
    checkEnding(killed, m, repro, out);
    for (const h of halfWritten(out)) fail(`half-written after the kill: ${h}`, repro);
    const again = await cli(args, WORK);
    if (acceptRerun(again, 'rerun', repro)) {
      for (const d of treeDiff(ref, out, skip)) fail(`rerun: ${d}`, repro);
      const left = leftovers(out);
      if (left.length) fail(`leftovers after the rerun: ${left.join(' ')}`, repro);
    }
  }
}

fs.mkdirSync(WORK, { recursive: true });
writeData();
await prepared();
if (CASE.startsWith('train-')) await trainCase();
else if (CASE.startsWith('export-')) await exportCase();
else if (CASE === 'prepare') await prepareCase();
else await quickstartCase();
console.log(`${CASE}: ${kills} kills, ${failures.length} failures`);
process.exitCode = failures.length ? 1 : 0;
