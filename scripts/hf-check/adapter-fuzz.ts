// Phase 2 of scripts/hf-check/adapter_fuzz.py: loads each PEFT-made adapter it wrote the way the CLI does (loadModel
// at fp32 on the CPU, then loadAdapter) and compares with PEFT's float64 references: logits of the right-padded batch
// (real positions; SEQ_CLS: the class logits), and after mergeLora (export --merge's merge) the merged model's logits
// against merge_and_unload's. An adapter we refuse must be refused by `mistral-tune generate --adapter` with exit 2 and
// a one-line error naming adapter_config.json (or the weights file) and the key. Verdicts per case:
//   same      loaded, logits (and merged logits) within TOL of PEFT's float64 ones, or within twice as far as PEFT's
//             own float32 lands from them (a large scaling amplifies float32 rounding; "f32-bound" in the note)
//   refused   refused with a one-line error (a config PEFT computes, but which we do not: a limitation, listed)
//   MISMATCH  loaded and computed differently from PEFT: a bug
//   LOOSE     loaded although PEFT cannot load it
//   BAD-ERROR refused, but not as a one-line user error
//   node --import tsx scripts/hf-check/adapter-fuzz.ts OUT_DIR
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../src/backend/select.ts';
import type { TokenRow } from '../../src/data/batch.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { isUserError } from '../../src/util/errors.ts';
import { readFixture, relErr } from '../../test/helpers.ts';

const out = path.resolve(process.argv[2] ?? 'adapter-fuzz');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOL = 1e-5;
const backend = createBackend('cpu');

interface Meta {
  base: string;
  task: 'CAUSAL_LM' | 'SEQ_CLS' | null;
  desc: string;
  made: boolean;
  error?: string;
  peft_load_error?: string;
  merge_error?: string;
  adapter_effect?: number;
  /** PEFT's own float32 logits (and merged logits) against its float64 reference, as phase 2 measures ours. */
  peft_f32?: number;
  peft_f32_merged?: number;
}

type Expected = Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }>;

/** The probe batch's rows (each row's own tokens, without its padding). */
function probeRows(ex: Expected): TokenRow[] {
  const [B, T] = ex.input_ids!.shape as [number, number];
  return Array.from({ length: B }, (_, b) => {
    const ids = Array.from(ex.input_ids!.data.subarray(b * T, b * T + T));
    const len = Array.from(ex.attention_mask!.data.subarray(b * T, b * T + T)).filter((m) => m === 1).length;
    return { inputIds: ids.slice(0, len) };
  });
}

/** Our logits at the real positions (SEQ_CLS: class logits), and PEFT's reference `key` likewise. */
function logitsPair(model: MistralModel, ex: Expected, key: string, cls: boolean): [number[], number[]] {
  const batch = model.collate(probeRows(ex));
  if (cls) return [Array.from(model.classLogits(batch)), Array.from(ex[key]!.data)];
  const ours = model.logits(batch), theirs = ex[key]!.data, mask = ex.attention_mask!.data;
  const V = ex[key]!.shape[2]!;
  if (ours.length !== theirs.length) throw new Error(`our logits have ${ours.length} values, PEFT's ${theirs.length}`);
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 1) continue;
    for (let v = 0; v < V; v++) {
      a.push(ours[i * V + v]!);
      b.push(theirs[i * V + v]!);
    }
  }
  return [a, b];
}

/** The CLI's refusal of the adapter: exit status and stderr of `generate --adapter` (`classify --adapter` for a SEQ_CLS
 * adapter, which generate refuses for its task first), refused before any tokenizer is read. */
function cliRefusal(base: string, adapter: string, cls: boolean): { status: number | null; stderr: string } {
  const how = cls ? ['classify', '--model', base, '--adapter', adapter, '--text', 'x'] : ['generate', '--model', base, '--adapter', adapter, '--prompt', 'x'];
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/mistral-tune.js'), ...how, '--device', 'cpu'], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr.trim() };
}

interface Row { name: string; verdict: string; lora: number | null; merged: number | null; note: string; desc: string }

function runCase(name: string, meta: Meta): Row {
  const dir = path.join(out, name), adapter = path.join(dir, 'adapter'), base = path.join(out, 'bases', meta.base);
  const row: Row = { name, verdict: '', lora: null, merged: null, note: '', desc: meta.desc };
  if (!meta.made) return { ...row, verdict: 'not-made', note: `PEFT could not make it: ${meta.error}` };
  const ex = readFixture(path.join(dir, 'expected.safetensors'));
  const peftLoads = meta.peft_load_error === undefined;
  let model: MistralModel, cls: boolean;
  try {
    model = loadModel(base, { backend, precision: 'fp32' });
    cls = loadAdapter(model, adapter, { trainable: false }).taskType === 'SEQ_CLS';
  } catch (e) {
    const msg = (e as Error).message.replaceAll(out, '<out>');
    const cli = cliRefusal(base, adapter, meta.task === 'SEQ_CLS');
    const cliErrors = cli.stderr.replaceAll(out, '<out>').split('\n').filter((l) => l.startsWith('error:'));
    const cliMsg = cliErrors.join(' / ') || cli.stderr.replaceAll(out, '<out>');
    const oneLine = isUserError(e) && !msg.includes('\n') && cli.status === 2 && cliErrors.length === 1 && cliErrors[0] === `error: ${msg}` && /adapter_config\.json|adapter_model/.test(msg);
    const why = peftLoads ? '' : ` (PEFT cannot load it either: ${meta.peft_load_error})`;
    return { ...row, verdict: oneLine ? 'refused' : 'BAD-ERROR', note: `${msg}${oneLine ? '' : ` | CLI exit ${cli.status}: ${cliMsg}`}${why}` };
  }
  if (!peftLoads) return { ...row, verdict: 'LOOSE', note: `loaded, but PEFT refuses: ${meta.peft_load_error}` };
  if (cls !== (meta.task === 'SEQ_CLS')) return { ...row, verdict: 'MISMATCH', note: `read as ${cls ? 'SEQ_CLS' : 'CAUSAL_LM'}, made by PEFT on a ${meta.task ?? 'causal'} model` };
  const [ours, theirs] = logitsPair(model, ex, 'logits', cls);
  row.lora = relErr(ours, theirs);
  if (ex.merged_logits) {
    mergeLora(model);
    const [m, t] = logitsPair(model, ex, 'merged_logits', cls);
    row.merged = relErr(m, t);
  } else row.note = `PEFT does not merge it: ${meta.merge_error}`;
  model.releaseActivations();
  const within = (ours: number, f32: number | undefined): boolean => ours <= Math.max(TOL, 2 * (f32 ?? 0));
  const ok = within(row.lora, meta.peft_f32) && (row.merged === null || within(row.merged, meta.peft_f32_merged));
  const f32Bound = ok && (row.lora > TOL || (row.merged ?? 0) > TOL);
  const f32 = f32Bound ? `f32-bound: PEFT's own float32 lands ${meta.peft_f32!.toExponential(1)} (merged ${meta.peft_f32_merged?.toExponential(1) ?? '-'}) from its float64; ` : '';
  return { ...row, verdict: ok ? 'same' : 'MISMATCH', note: `${row.note}${row.note ? '; ' : ''}${f32}adapter moves PEFT's logits by ${meta.adapter_effect!.toExponential(1)}` };
}

const names = fs.readdirSync(out).filter((n) => fs.existsSync(path.join(out, n, 'meta.json'))).sort();
const fmt = (x: number | null): string => (x === null ? '-' : x.toExponential(1)).padStart(8);
console.log(`${'case'.padEnd(24)} ${'verdict'.padEnd(9)} ${'logits'.padStart(8)} ${'merged'.padStart(8)}  config / note`);
const rows: Row[] = [];
for (const name of names) {
  const meta = JSON.parse(fs.readFileSync(path.join(out, name, 'meta.json'), 'utf8')) as Meta;
  let row: Row;
  try {
    row = runCase(name, meta);
  } catch (e) {
    row = { name, verdict: 'CRASH', lora: null, merged: null, note: (e as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(e), desc: meta.desc };
  }
  rows.push(row);
  console.log(`${name.padEnd(24)} ${row.verdict.padEnd(9)} ${fmt(row.lora)} ${fmt(row.merged)}  [${meta.base} ${meta.task ?? 'no task_type'}] ${row.desc}\n${' '.repeat(54)}${row.note}`);
}
const count = (v: string): number => rows.filter((r) => r.verdict === v).length;
const same = rows.filter((r) => r.verdict === 'same');
const worst = (k: 'lora' | 'merged'): string => Math.max(0, ...same.map((r) => r[k] ?? 0)).toExponential(1);
const bad = rows.filter((r) => !['same', 'refused', 'not-made'].includes(r.verdict));
console.log(`ADAPTERS ${bad.length === 0 ? 'PASS' : 'FAIL'}: ${rows.length} cases: ${same.length} computed as PEFT does (worst rel err logits ${worst('lora')}, merged ${worst('merged')}; tolerance ${TOL}, or twice PEFT's own float32 error where larger: ${same.filter((r) => r.note.includes('f32-bound')).length} such), ` +
  `${count('refused')} refused in one line, ${count('not-made')} PEFT could not make; ${bad.length} bad (${bad.map((r) => `${r.name} ${r.verdict}`).join(', ') || 'none'})`);
process.exit(bad.length === 0 ? 0 : 1);
