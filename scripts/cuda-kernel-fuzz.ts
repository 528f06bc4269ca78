// Each CUDA kernel family against the CPU backend (the oracle) at shapes the tests' models do not have: head dims 64,
// 80, 96, 128 and 256, GQA ratios from 1 to all heads, sequence lengths, vocabularies, hidden and MLP widths off every
// tile and vector width, sliding windows, padded and packed rows, a KV-cache query offset; bf16 and f32 storage. Every
// buffer is a view inside a larger one whose guards hold 2^100 (i32: 2^30), so a kernel that writes outside its buffer
// leaves a guard changed (a NaN too) and one that reads outside it picks up a value that swamps its sums and maxima:
// both fail the case, beside the values' error. Families: attention forward and backward (the attention kernels; the flash kernels at bf16 and head dims 64
// and 128 under MISTRAL_TUNE_CUDA_ATTENTION=flash), RMSNorm, RoPE, the gated activations, cross-entropy (f32 and bf16
// logits), row gather and scatter-add, AdamW, the gradient norm (Σ g², clip coefficient, scale), LoRA's gradient through
// B (lora_grad_up under MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1). Sampling runs on the host (model/generate.ts), not here.
// Without a GPU: the stand-in libraries with the kernel emulator, as scripts/cuda-config-sweep.ts says:
//   W=/tmp/mt-emu; node --import tsx -e "const b = await import('./test/backend/cuda/emulator/build.ts'); b.buildStandIn('$W'); b.buildKernelEmulator('$W/kernels')"
//   LD_LIBRARY_PATH=$W/lib CUDA_HOME=$W MISTRAL_TUNE_CACHE=$W/cache MT_FAKE_CUDA_KERNELS=$W/kernels MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 \
//     node --import tsx scripts/cuda-kernel-fuzz.ts [FAMILY...] [--dtypes bf16,f32] [--quick]
// On a GPU the same command without the stand-in's variables. Prints one line a case (worst error against the oracle's
// largest value); exit status 1 when a case fails. Not part of the tests.
import type { AttentionShape, Backend, DeviceBuffer, GateActivation } from '../src/backend/backend.ts';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.ts';
import { createBackend } from '../src/backend/select.ts';
import { setQuiet } from '../src/util/log.ts';
import { randn, rng, upload } from '../test/backend/util.ts';

type Float = 'f32' | 'bf16';
interface Tensor { dtype: Float | 'i32'; data: number[]; out?: boolean; tol?: number }
type Tensors = Record<string, Tensor>;
type Call = (be: Backend, b: Record<string, DeviceBuffer>) => void;

const GUARD = 64; // elements each side (a multiple of 16 bytes in each dtype: vector paths stay aligned)
const I32_GUARD = 1 << 30;
const FLOAT_GUARD = 2 ** 100; // exact in bf16 and f32

const args = process.argv.slice(2);
const flag = (name: string): string | null => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : null; };
const dtypes = (flag('--dtypes') ?? 'bf16,f32').split(',') as Float[];
const quick = args.includes('--quick');
const families = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--dtypes')));
setQuiet(true);
const cpu = new CpuBackend();
const gpu = createBackend('cuda');
let failed = 0;

/** Each tensor in a guarded view on `be`, `call` run, then the views and whether every guard held. */
function runOn(be: Backend, t: Tensors, call: Call, shift: number): { values: Record<string, number[]>; guards: string[]; launched: string[] } {
  const parents: Record<string, DeviceBuffer> = {}, views: Record<string, DeviceBuffer> = {};
  for (const [name, x] of Object.entries(t)) {
    const front = GUARD + shift, fill = x.dtype === 'i32' ? I32_GUARD : FLOAT_GUARD;
    const whole = [...new Array<number>(front).fill(fill), ...x.data, ...new Array<number>(GUARD).fill(fill)];
    parents[name] = upload(be, x.dtype, whole);
    views[name] = be.view(parents[name]!, front, x.data.length);
  }
  const launched = new Set<string>();
  const kernels = (be as unknown as { kernels?: { launch: (name: string, ...rest: unknown[]) => void } }).kernels;
  const launch = kernels?.launch;
  if (kernels && launch) kernels.launch = (name, ...rest) => { launched.add(name); launch.call(kernels, name, ...rest); };
  try {
    call(be, views);
  } finally {
    if (kernels && launch) kernels.launch = launch;
  }
  const values: Record<string, number[]> = {}, guards: string[] = [];
  for (const [name, x] of Object.entries(t)) {
    const whole = Array.from(be.download(parents[name]!)), front = GUARD + shift;
    values[name] = whole.slice(front, front + x.data.length);
    const fill = x.dtype === 'i32' ? I32_GUARD : FLOAT_GUARD;
    const bad = [...whole.slice(0, front), ...whole.slice(front + x.data.length)].findIndex((v) => v !== fill);
    if (bad >= 0) guards.push(`${name}: written ${bad < front ? `${front - bad} element(s) before its start` : `at element ${bad - front} past its end`} (${whole[bad < front ? bad : bad + x.data.length]})`);
    be.free(parents[name]!);
  }
  return { values, guards, launched: [...launched].filter((k) => k !== 'convert') };
}

/** Worst |got − want| over the largest |want| of the outputs, NaN where only one side is NaN. */
function compare(got: number[], want: number[]): { err: number; at: number } {
  let scale = 0;
  for (const w of want) if (Number.isFinite(w)) scale = Math.max(scale, Math.abs(w));
  let err = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const e = Number.isNaN(g) || Number.isNaN(w) || !Number.isFinite(g - w) ? Infinity : Math.abs(g - w) / Math.max(scale, 1e-30);
    if (e > err) { err = e; at = i; }
  }
  return { err, at };
}

function check(what: string, t: Tensors, call: Call, tol: number, shift = 0): void {
  const want = runOn(cpu, t, call, shift), got = runOn(gpu, t, call, shift);
  const lines: string[] = [...got.guards.map((g) => `cuda ${g}`), ...want.guards.map((g) => `cpu ${g}`)];
  let worst = 0;
  for (const [name, x] of Object.entries(t)) {
    if (!x.out) continue;
    const { err, at } = compare(got.values[name]!, want.values[name]!);
    worst = Math.max(worst, err);
    if (!(err <= (x.tol ?? tol))) lines.push(`${name}[${at}] = ${got.values[name]![at]}, CPU ${want.values[name]![at]} (err ${err.toExponential(2)} > ${x.tol ?? tol})`);
  }
  if (lines.length) failed++;
  console.log(`${lines.length ? 'FAIL' : 'ok  '} ${what}: worst ${worst.toExponential(2)} [${got.launched.join(' ')}]${lines.length ? `\n     ${lines.join('\n     ')}` : ''}`);
}

const tolOf = (dt: Float): number => (dt === 'bf16' ? 2e-2 : 2e-5);
const r = rng(7);
const normal = (n: number, std = 1): number[] => randn(r, n, std);
const uniformInt = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo)));

type SegmentKind = 'plain' | 'packed' | 'padded' | 'left' | 'empty';
/**
 * Segment ids of B rows of K keys: `kind` packed (samples of random lengths), padded (right: −1 after a random
 * length), left (−1 before one), empty (the first row all padding, the others packed), or plain.
 */
function segments(B: number, K: number, kind: SegmentKind): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    if (kind === 'empty' && b === 0) out.push(...new Array<number>(K).fill(-1));
    else if (kind === 'plain') out.push(...new Array<number>(K).fill(0));
    else if (kind === 'padded') { const n = 1 + Math.floor(r() * K); for (let j = 0; j < K; j++) out.push(j < n ? 0 : -1); }
    else if (kind === 'left') { const n = Math.floor(r() * K); for (let j = 0; j < K; j++) out.push(j < n ? -1 : 0); }
    else { let s = 0, left = 1 + Math.floor(r() * 20); for (let j = 0; j < K; j++) { out.push(s); if (--left === 0) { s++; left = 1 + Math.floor(r() * 40); } } }
  }
  return out;
}

function attention(dt: Float): void {
  const cases: Array<Omit<AttentionShape, 'scale'> & { seg: SegmentKind }> = [
    { B: 2, T: 67, Hq: 4, Hkv: 1, D: 64, window: null, seg: 'packed' },
    { B: 1, T: 130, Hq: 2, Hkv: 2, D: 128, window: 37, seg: 'padded' },
    { B: 2, T: 65, Hq: 3, Hkv: 1, D: 80, window: null, seg: 'left' },
    { B: 1, T: 97, Hq: 4, Hkv: 2, D: 96, window: 64, seg: 'packed' },
    { B: 1, T: 33, Hq: 2, Hkv: 1, D: 256, window: null, seg: 'padded' },
    { B: 1, T: 200, Hq: 2, Hkv: 1, D: 128, window: 1, seg: 'plain' },
    { B: 3, T: 63, Hq: 8, Hkv: 8, D: 64, window: null, seg: 'padded' },
    { B: 1, T: 129, Hq: 6, Hkv: 3, D: 64, window: 65, seg: 'packed' },
    { B: 2, T: 70, Hq: 2, Hkv: 1, D: 128, window: null, seg: 'empty' },
    { B: 2, T: 6, Hq: 4, Hkv: 2, D: 80, window: 3, seg: 'empty' },
  ];
  for (const c of quick ? cases.slice(0, 3) : cases) {
    const s: AttentionShape = { ...c, scale: 1 / Math.sqrt(c.D) };
    const { B, T, Hq, Hkv, D } = s;
    const seg = segments(B, T, c.seg), q = normal(B * T * Hq * D), k = normal(B * T * Hkv * D), v = normal(B * T * Hkv * D), dout = normal(B * T * Hq * D);
    const name = `attention ${dt} B${B} T${T} Hq${Hq} Hkv${Hkv} D${D} window ${c.window} ${c.seg}`;
    const t: Tensors = {
      q: { dtype: dt, data: q }, k: { dtype: dt, data: k }, v: { dtype: dt, data: v }, seg: { dtype: 'i32', data: seg }, dout: { dtype: dt, data: dout },
      out: { dtype: dt, data: normal(B * T * Hq * D), out: true }, lse: { dtype: 'f32', data: normal(B * Hq * T), out: true },
      dq: { dtype: dt, data: normal(B * T * Hq * D), out: true }, dk: { dtype: dt, data: normal(B * T * Hkv * D), out: true },
      dv: { dtype: dt, data: normal(B * T * Hkv * D), out: true },
    };
    check(name, t, (be, b) => {
      be.attentionForward(b.out!, b.lse!, b.q!, b.k!, b.v!, b.seg!, s);
      be.attentionBackward(b.dq!, b.dk!, b.dv!, b.dout!, b.out!, b.lse!, b.q!, b.k!, b.v!, b.seg!, s);
    }, dt === 'bf16' ? 4e-2 : 1e-4);
    // decoding: the last q queries after a cache of T − q keys (forward only), 5 and 1
    for (const q of [5, 1]) {
      const dec: AttentionShape = { ...s, T: q, kvLen: T, qOffset: T - q };
      check(`${name} decode ${q} of ${T}`, {
        q: { dtype: dt, data: normal(B * q * Hq * D) }, k: { dtype: dt, data: k }, v: { dtype: dt, data: v }, seg: { dtype: 'i32', data: seg },
        out: { dtype: dt, data: normal(B * q * Hq * D), out: true }, lse: { dtype: 'f32', data: normal(B * Hq * q), out: true },
      }, (be, b) => be.attentionForward(b.out!, b.lse!, b.q!, b.k!, b.v!, b.seg!, dec), dt === 'bf16' ? 4e-2 : 1e-4);
    }
  }
}

function rows(dt: Float): void {
  for (const [N, C, shift] of [[37, 4100, 0], [5, 80, 3], [130, 14337 % 1000 + 7, 5]] as const) {
    const w = normal(C, 0.5).map((x) => 1 + x);
    check(`rmsnorm ${dt} N${N} C${C} shift ${shift}`, {
      x: { dtype: dt, data: normal(N * C, 3) }, w: { dtype: dt, data: w }, out: { dtype: dt, data: normal(N * C), out: true },
      rstd: { dtype: 'f32', data: normal(N), out: true }, dout: { dtype: dt, data: normal(N * C) }, dx: { dtype: dt, data: normal(N * C), out: true },
      dw: { dtype: 'f32', data: normal(C), out: true },
    }, (be, b) => {
      be.rmsnormForward(b.out!, b.rstd!, b.x!, b.w!, N, C, 1e-5);
      be.rmsnormBackward(b.dx!, b.dw!, b.dout!, b.x!, b.w!, b.rstd!, N, C);
    }, tolOf(dt) * 2, shift);
  }
  for (const [N, H, D] of [[67, 3, 80], [5, 32, 128], [33, 2, 96], [9, 1, 256], [130, 5, 64]] as const) {
    const invFreq = Array.from({ length: D / 2 }, (_, i) => 1e6 ** (-(2 * i) / D));
    check(`rope ${dt} N${N} H${H} D${D}`, {
      x: { dtype: dt, data: normal(N * H * D), out: true }, pos: { dtype: 'i32', data: uniformInt(N, 0, 40000) }, inv: { dtype: 'f32', data: invFreq },
    }, (be, b) => { be.rope(b.x!, b.pos!, b.inv!, N, H, D, false); be.rope(b.x!, b.pos!, b.inv!, N, H, D, true); be.rope(b.x!, b.pos!, b.inv!, N, H, D, false); }, tolOf(dt));
  }
  for (const act of ['silu', 'gelu', 'gelu_tanh', 'relu'] as GateActivation[]) {
    for (const [n, shift] of [[14336 + 9, 0], [77, 1]] as const) {
      check(`${act} ${dt} n${n} shift ${shift}`, {
        gate: { dtype: dt, data: normal(n, 3) }, up: { dtype: dt, data: normal(n) }, dout: { dtype: dt, data: normal(n) },
        out: { dtype: dt, data: normal(n), out: true }, dgate: { dtype: dt, data: normal(n), out: true }, dup: { dtype: dt, data: normal(n), out: true },
      }, (be, b) => { be.swigluForward(b.out!, b.gate!, b.up!, n, act); be.swigluBackward(b.dgate!, b.dup!, b.dout!, b.gate!, b.up!, n, act); }, tolOf(dt));
    }
  }
}

function crossEntropy(dt: Float): void {
  for (const [N, V] of [[7, 32768 + 3], [33, 1001], [3, 131072 + 5], [65, 97]] as const) {
    if (quick && V > 40000) continue;
    for (const logitType of dt === 'bf16' ? (['f32', 'bf16'] as const) : (['f32'] as const)) {
      const targets = uniformInt(N, 0, V);
      targets[0] = -100; targets[N - 1] = V - 1; if (N > 2) targets[1] = V; // ignored, last class, outside [0, V)
      check(`cross-entropy ${dt} logits ${logitType} N${N} V${V}`, {
        logits: { dtype: logitType, data: normal(N * V, 4) }, targets: { dtype: 'i32', data: targets },
        losses: { dtype: 'f32', data: normal(N), out: true, tol: 1e-5 }, dlogits: { dtype: dt, data: normal(N * V), out: true },
      }, (be, b) => be.crossEntropy(b.losses!, b.dlogits!, b.logits!, b.targets!, N, V, 1 / N), tolOf(dt));
    }
  }
}

function gatherScatter(dt: Float): void {
  for (const [R, C, limit] of [[37, 4100, 1003], [9, 80, 5], [130, 96, 32001]] as const) {
    const ids = uniformInt(R, 0, limit); ids[0] = limit - 1; if (R > 3) { ids[1] = ids[2]!; ids[3] = -1; }
    check(`gather/scatter rows ${dt} R${R} C${C} of ${limit}`, {
      x: { dtype: dt, data: normal(limit * C) }, rows: { dtype: 'i32', data: ids }, out: { dtype: dt, data: normal(R * C), out: true },
      dout: { dtype: dt, data: normal(R * C) }, dx: { dtype: 'f32', data: normal(limit * C), out: true },
    }, (be, b) => { be.gatherRows(b.out!, b.x!, b.rows!, R, C); be.scatterAddRows(b.dx!, b.dout!, b.rows!, R, C); }, 1e-6);
  }
}

function optimizer(): void {
  for (const [n, shift] of [[100003, 0], [37, 3]] as const) {
    const spans = [0, 5, 9, Math.floor(n / 2), n - 3, n]; // [start, end) pairs: decay in three spans, none elsewhere
    const t: Tensors = {
      p: { dtype: 'f32', data: normal(n), out: true }, g: { dtype: 'f32', data: normal(n, 1e-2), out: true },
      m: { dtype: 'f32', data: normal(n, 1e-3), out: true }, v: { dtype: 'f32', data: normal(n, 1e-3).map((x) => x * x), out: true },
      spans: { dtype: 'i32', data: spans }, ss: { dtype: 'f32', data: [0], out: true }, coef: { dtype: 'f32', data: [0], out: true },
    };
    check(`grad norm + clip + AdamW f32 n${n} shift ${shift}`, t, (be, b) => {
      be.sumSquares(b.ss!, b.g!, n);
      be.clipCoefficient(b.coef!, b.ss!, 0.5);
      be.scaleByScalar(b.g!, b.g!, b.coef!, n);
      be.adamw(b.p!, b.g!, b.m!, b.v!, b.spans!, 3, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 });
    }, 1e-5, shift);
  }
}

function loraGradUp(): void {
  for (const [n, out, r, ld, withDB] of [[67, 136, 8, 24, true], [200, 1032, 16, 16, true], [130, 264, 24, 40, false], [65, 4104, 64, 64, true], [1, 8, 32, 32, true]] as const) {
    const t: Tensors = {
      dz: { dtype: 'bf16', data: normal(n * ld), out: true }, dy: { dtype: 'bf16', data: normal(n * out) }, z: { dtype: 'bf16', data: normal(n * ld) },
      B: { dtype: 'bf16', data: normal(out * r, 0.1) }, dB: { dtype: 'f32', data: normal(out * r), out: true },
    };
    // the columns of dz past r belong to other slots: loraGradUp must leave them as they were (compared as outputs)
    check(`LoRA grad-up bf16 n${n} out${out} r${r} ld${ld}${withDB ? '' : ' no ∂B'}`, t, (be, b) =>
      be.loraGradUp(b.dz!, withDB ? b.dB! : null, b.dy!, b.z!, b.B!, { n, out, r, ld, scaling: 2 }), 2e-2);
  }
}

const FAMILIES: Record<string, (dt: Float) => void> = { attention, rows, 'cross-entropy': crossEntropy, gather: gatherScatter, optimizer: () => optimizer(), lora: () => loraGradUp() };
for (const [name, run] of Object.entries(FAMILIES)) {
  if (families.length && !families.includes(name)) continue;
  if (name === 'optimizer' || name === 'lora') { run('f32'); continue; }
  for (const dt of dtypes) run(dt);
}
console.log(failed ? `${failed} case(s) failed` : 'every case agrees with the CPU');
process.exitCode = failed ? 1 : 0;
