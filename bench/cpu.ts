// CPU benchmark: tokens/s of random Mistrals (bench/cpu-model.ts) with OpenBLAS and without it (the WebAssembly
// SIMD GEMM; --js adds the TypeScript loops, ~50× slower), side by side with the PyTorch peer (Debian
// python3-torch, ../shared/bench/torch_cpu/bench_cpu.py) run in the same process tree. The cases (--cases
// shape:mode,..., default all) are the issue's: nano (vocab 32000, hidden 256, intermediate 768, 6 layers, 8 heads /
// 2 KV, head_dim 32, batch 4 × 256) forward / lora / full; small (the peer's: hidden 768, intermediate 2048,
// 12 layers, 12 heads / 4 KV, head_dim 64) lora / forward; w64 (nano at hidden 64, intermediate 192, 4 heads /
// 1 KV, head_dim 16) lora; nano-t1024 (nano at batch 1 × 1024: the same tokens as one long row) lora.
// Each case alternates our runs with the peer's (each run of either in a fresh process), so drift on a shared machine hits both; --runs N repeats the
// whole alternation and the table gives each case's median over the runs (of each run's median step).
// The peer runs its own CLI (`--cases tuned/CONFIG:MODE --batch B --seq T`, a child under its `tuned` env
// profile) for the configs it has; for one it lacks (w64) this file runs `/usr/bin/python3 -c` under that
// same profile (read from the peer's PROFILES), which imports bench_cpu from its folder, adds the config
// to its CONFIGS and calls its run_case(...) directly: the peer's file is not edited.
// Usage: npm run bench:cpu [-- --cases nano:lora,w64:lora --runs 3 --steps 5 --warmup 2 --no-simd --js --no-torch
//   --peer PATH/bench_cpu.py]  (--modes forward,lora,full is the older spelling of --cases nano:forward,...)
// Prints one JSON line per measurement, then a table with median step times and the ratios to PyTorch and,
// for the no-BLAS rows, to the OpenBLAS path.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { threadCount } from '../src/backend/cpu/wasm/pool.ts';
import { benchClock, CASES, CONFIGS, ONE_THREAD, workload, type CaseName, type Mode } from './cpu-model.ts';

// the peer lives in the shared folder next to the repository (../shared), or next to a worktree's parent
const PEERS = ['../shared/bench/torch_cpu/bench_cpu.py', '../../shared/bench/torch_cpu/bench_cpu.py'].map((p) => path.resolve(p));
const ALL_CASES = 'nano:forward,nano:lora,nano:full,small:lora,small:forward,w64:lora,nano-t1024:lora';
const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' },
    cases: { type: 'string' }, modes: { type: 'string' }, runs: { type: 'string', default: '1' }, child: { type: 'string' },
    'no-simd': { type: 'boolean' }, js: { type: 'boolean' }, 'no-torch': { type: 'boolean' }, 'cpu-time': { type: 'boolean' },
    peer: { type: 'string', default: PEERS.find((p) => fs.existsSync(p)) ?? PEERS[0]! },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
/**
 * --cpu-time: one thread each (ours and the peer's torch.set_num_threads(1)) and each step timed by the process's CPU
 * time, not the wall: the figure a loaded shared machine disturbs least (it still moves with cache and memory contention).
 */
const cpuTime = a['cpu-time'] === true;
const clock = benchClock(cpuTime);
const steps = Number(a.steps), warmup = Number(a.warmup), runs = Number(a.runs);
/** The peer's Python (--python: one with torch, e.g. a venv's; Debian's python3-torch by default). */
const PY = a.python!;
/** The configs the peer's CONFIGS has; others go through run_case with the config added. */
const PEER_CONFIGS = new Set(['nano', 'small']);

interface Case { name: string; shape: CaseName; mode: Mode }
function parseCase(c: string): Case {
  const [shape, mode] = c.split(':') as [string, string | undefined];
  if (!(shape in CASES) || !['forward', 'lora', 'full'].includes(mode ?? '')) {
    console.error(`bench:cpu: unknown case '${c}' (shapes: ${Object.keys(CASES).join(', ')}; modes: forward, lora, full)`);
    process.exit(2);
  }
  return { name: c, shape: shape as CaseName, mode: mode as Mode };
}
const cases: Case[] = (a.cases ?? (a.modes ? a.modes.split(',').map((m) => `nano:${m}`).join(',') : ALL_CASES)).split(',').map(parseCase);

interface Row {
  system: string; case: string; run: number; tokens_per_s: number; step_ms_median: number; step_ms_all: number[]; peak_rss_mb: number;
}

type Gemm = 'openblas' | 'simd' | 'js';
const LABEL = { openblas: 'OpenBLAS', simd: 'no BLAS: WASM SIMD GEMM', js: 'no BLAS: TypeScript GEMM' } as const;
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/**
 * One case of ours in a fresh process (as the peer runs each case in its own): buffers a finished case left
 * to the garbage collector cannot crowd the next one's out of the kernels' memory, and the peak RSS is the case's.
 */
function ours(gemm: Gemm, c: Case, run: number, nSteps: number, nWarmup: number): Row {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', `${gemm}/${c.name}`,
    '--steps', String(nSteps), '--warmup', String(nWarmup), ...(cpuTime ? ['--cpu-time'] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: cpuTime ? { ...process.env, ...ONE_THREAD } : process.env });
  return { ...(JSON.parse(out.trim().split('\n').at(-1)!) as Row), run };
}

/** The child's work: the case's workload, warm-up, timed steps; one JSON row on stdout. */
function measureOurs(gemm: Gemm, c: Case, nSteps: number, nWarmup: number): Row {
  const { config, B, T } = CASES[c.shape];
  const w = workload(config, c.mode, B, T, gemm);
  for (let i = 0; i < nWarmup; i++) w.step();
  const times: number[] = [];
  for (let i = 0; i < nSteps; i++) {
    const t0 = clock();
    w.step();
    times.push(clock() - t0);
  }
  const med = median(times);
  w.release();
  return {
    system: `mistral-tune (${LABEL[gemm]})`, case: c.name, run: 0,
    tokens_per_s: Math.round((B * T) / (med / 1000)), step_ms_median: Math.round(med),
    step_ms_all: times.map((t) => Math.round(t)), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (a.child) {
  const [gemm, name] = a.child.split('/') as [Gemm, string];
  console.log(JSON.stringify(measureOurs(gemm, parseCase(name), steps, warmup)));
  process.exit(0);
}

/** The peer's `tuned` profile: its variables to clear, and the values to set. */
let tunedEnv: NodeJS.ProcessEnv | null = null;
function peerEnv(): NodeJS.ProcessEnv {
  if (tunedEnv) return tunedEnv;
  const out = execFileSync(PY, ['-c', 'import sys, json; sys.path.insert(0, sys.argv[1]); import bench_cpu as b; ' +
    'print(json.dumps({"vars": b.ENV_VARS, "tuned": b.PROFILES["tuned"]}))', path.dirname(a.peer!)], { encoding: 'utf8' });
  const p = JSON.parse(out) as { vars: string[]; tuned: Record<string, string> };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of p.vars) delete env[v];
  tunedEnv = { ...env, ...p.tuned };
  return tunedEnv;
}

/** Runs the peer's run_case for a config its CONFIGS lacks, under its tuned profile; prints its JSON line. */
const RUN_CASE = `import sys, json
sys.path.insert(0, sys.argv[1])
import bench_cpu
name, cfg, mode, batch, seq, warmup, steps = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], *map(int, sys.argv[5:9])
if sys.argv[9:] == ["cpu-time"]:  # one thread, steps timed by the process's CPU time (bench_cpu times by time.perf_counter)
    import time
    bench_cpu.THREADS = 1
    time.perf_counter = time.process_time
over = {k: cfg.pop(k) for k in list(cfg) if k in bench_cpu.COMMON}
bench_cpu.CONFIGS[name] = cfg
bench_cpu.COMMON = {**bench_cpu.COMMON, **over}
print(json.dumps(bench_cpu.run_case("tuned", name, mode, batch, seq, warmup, steps)), flush=True)`;

function torch(c: Case, run: number): Row | null {
  if (a['no-torch']) return null;
  // said once, not silently left out of the table (a clone outside the workspace has no ../shared)
  for (const f of [a.peer!, PY]) if (!fs.existsSync(f)) { console.error(`bench:cpu: no PyTorch peer: ${f} does not exist (--peer, --python)`); a['no-torch'] = true; return null; }
  const { config, B, T } = CASES[c.shape];
  const sizes = ['--batch', String(B), '--seq', String(T), '--steps', String(steps), '--warmup', String(warmup)];
  try {
    let out: string;
    if (PEER_CONFIGS.has(config) && !cpuTime) {
      out = execFileSync(PY, [a.peer!, '--cases', `tuned/${config}:${c.mode}`, ...sizes], { encoding: 'utf8' });
    } else {
      const cfg = CONFIGS[config];
      const peerCfg = {
        vocab_size: cfg.vocab_size, hidden_size: cfg.hidden_size, intermediate_size: cfg.intermediate_size, num_hidden_layers: cfg.num_hidden_layers,
        num_attention_heads: cfg.num_attention_heads, num_key_value_heads: cfg.num_key_value_heads, head_dim: cfg.head_dim,
        sliding_window: cfg.sliding_window,
      };
      out = execFileSync(PY, ['-c', RUN_CASE, path.dirname(a.peer!), config, JSON.stringify(peerCfg), c.mode,
        String(B), String(T), String(warmup), String(steps), ...(cpuTime ? ['cpu-time'] : [])],
        { encoding: 'utf8', env: { ...peerEnv(), ...(cpuTime ? ONE_THREAD : {}) } });
    }
    const d = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
    if (d.error) throw new Error(String(d.error));
    return {
      system: `PyTorch ${String(d.torch)} (OMP_WAIT_POLICY=PASSIVE)`, case: c.name, run, tokens_per_s: Math.round((B * T) / (Number(d.step_ms_median) / 1000)),
      step_ms_median: Number(d.step_ms_median), step_ms_all: d.step_ms_all as number[], peak_rss_mb: Number(d.peak_rss_mb),
    };
  } catch (e) {
    console.error(`PyTorch peer failed on ${c.name}: ${(e as Error).message.slice(0, 300)}`);
    return null;
  }
}

const results: Row[] = [];
const record = (r: Row | null): void => {
  if (!r) return;
  results.push(r);
  console.log(JSON.stringify(r));
};
for (let run = 1; run <= runs; run++) {
  for (const c of cases) {
    // alternate the systems so drift on a shared machine hits both
    record(ours('openblas', c, run, steps, warmup));
    record(torch(c, run));
    if (!a['no-simd']) record(ours('simd', c, run, steps, warmup));
    if (a.js) record(ours('js', c, run, Math.min(steps, 2), 1));
  }
}

console.log(`\n# ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; each case of ours and of the peer runs in its own process (peak RSS: the case's)`);
console.log(cpuTime ? '# --cpu-time: one thread each (ours and torch), step times are process CPU time, not wall' :
  `# kernel threads: ${threadCount()} (MISTRAL_TUNE_THREADS)`);
console.log(`# load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('# cases: nano = vocab 32000, hidden 256, intermediate 768, 6 layers, 8 heads / 2 KV, head_dim 32, batch 4 × 256; ' +
  'small = hidden 768, intermediate 2048, 12 layers, 12 heads / 4 KV, head_dim 64, batch 4 × 256;');
console.log('#   w64 = nano at hidden 64, intermediate 192, 4 heads / 1 KV, head_dim 16, batch 4 × 256; nano-t1024 = nano at batch 1 × 1024');
console.log('#   other shapes (gqa32, hd64–hd256, v32k, v131k, odd, sw128-t1024, nano-t2048, nano-32x32): see bench/cpu-model.ts');
console.log(`# LoRA r=16 on all 7 projections (full: all weights), float32; ${steps} steps after ${warmup} warm-up; ` +
  `median ms = median over ${runs} run(s) of each run's median step`);
console.log(`# ${'system'.padEnd(44)} ${'case'.padEnd(16)} ${'tokens/s'.padStart(9)} ${'median ms'.padStart(10)} ${'vs torch'.padStart(9)} ${'vs OpenBLAS'.padStart(11)}`);
const systems = [...new Set(results.map((r) => r.system))];
const medianMs = (system: string, c: string): number | null => {
  const xs = results.filter((r) => r.system === system && r.case === c).map((r) => r.step_ms_median);
  return xs.length ? median(xs) : null;
};
for (const c of cases) {
  const peer = systems.find((s) => s.startsWith('PyTorch') && medianMs(s, c.name) !== null);
  const peerMs = peer ? medianMs(peer, c.name) : null;
  const blasMs = medianMs(`mistral-tune (${LABEL.openblas})`, c.name);
  const { B, T } = CASES[c.shape];
  for (const s of systems) {
    const ms = medianMs(s, c.name);
    if (ms === null) continue;
    const vsTorch = peerMs ? (peerMs / ms).toFixed(2) + '×' : 'n/a';
    const vsBlas = s.includes('no BLAS') && blasMs ? (blasMs / ms).toFixed(2) + '×' : '';
    console.log(`# ${s.padEnd(44)} ${c.name.padEnd(16)} ${String(Math.round((B * T) / (ms / 1000))).padStart(9)} ${String(ms).padStart(10)} ` +
      `${vsTorch.padStart(9)} ${vsBlas.padStart(11)}`);
  }
}
