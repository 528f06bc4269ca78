// The kernel table against the .cu sources, without a GPU: every extern "C" kernel is in the table and
// every table entry is in its file, with the same parameters (count, C types, const-ness = read-only);
// every Backend method is either a launch (mapped to kernels that exist) or host bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../../../src/backend/cpu/cpu-backend.ts';
import { CudaBackend } from '../../../src/backend/cuda/cuda-backend.ts';
import { KERNEL_FILES, KERNELS_DIR } from '../../../src/backend/cuda/kernel-source.ts';
import { BACKEND_KERNELS, DTYPE_CODE, GATE_ACTIVATION_CODE, HOST_METHODS, KERNELS, type KernelParam } from '../../../src/backend/cuda/kernel-table.ts';

interface CKernel { file: string; params: string[] }

/** Every `extern "C" __global__ void [__launch_bounds__(…)] name(...)` of the .cu files: its file and its parameter declarations. */
export function parseKernels(dir: string = KERNELS_DIR): Map<string, CKernel> {
  const out = new Map<string, CKernel>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.cu'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(([^)]*)\)/g)) {
      assert.ok(!out.has(m[1]!), `kernel ${m[1]} defined twice`);
      out.set(m[1]!, { file: f.replace(/\.cu$/, ''), params: m[2]!.split(',').map((p) => p.replace(/\s+/g, ' ').trim()) });
    }
  }
  return out;
}

const BUFFER_TYPE = { S: 'store_t', E: 'exact_t', I: 'int', D: 'double', V: 'void' } as const;
const SCALAR_TYPE = { i32: 'int', i64: 'long long', u32: 'unsigned int', u64: 'unsigned long long', f32: 'float', f64: 'double', real: 'real' } as const;

/** The C declaration a table parameter stands for, without the name: "const store_t *" or "long long". */
function cType(p: KernelParam): string {
  if (p.kind === 'scalar') return SCALAR_TYPE[p.code];
  return `${p.written ? '' : 'const '}${BUFFER_TYPE[p.code]} *`;
}

function declType(decl: string): string {
  const m = /^(.*?)(\*?)\s*\w+$/.exec(decl.replace(/\s*\*\s*/, ' *'));
  assert.ok(m, `cannot parse the parameter "${decl}"`);
  return m[2] ? `${m[1]!.trim()} *` : m[1]!.trim();
}

test('every kernel of the .cu files is in the table, in its file, with the same parameters (types, count, const = read-only)', () => {
  const found = parseKernels();
  assert.deepEqual([...found.keys()].sort(), Object.keys(KERNELS).sort(), 'the .cu kernels and the table list the same names');
  for (const [name, spec] of Object.entries(KERNELS)) {
    const c = found.get(name)!;
    assert.equal(c.file, spec.file, `${name} lives in ${spec.file}.cu`);
    assert.equal(c.params.length, spec.params.length, `${name}: ${c.params.length} C parameters, ${spec.params.length} in the table`);
    spec.params.forEach((p, i) => assert.equal(declType(c.params[i]!), cType(p), `${name} parameter ${i}: "${c.params[i]}"`));
  }
  for (const f of KERNEL_FILES) assert.ok(Object.values(KERNELS).some((k) => k.file === f), `${f}.cu has a kernel in the table`);
});

test('every Backend method is a launch of existing kernels or host bookkeeping, and the CUDA backend has them all', () => {
  const methods = Object.getOwnPropertyNames(CpuBackend.prototype).filter((n) => n !== 'constructor' && !n.startsWith('gemm'));
  const mapped = new Set<string>([...Object.keys(BACKEND_KERNELS), ...HOST_METHODS]);
  for (const m of [...methods, 'gemm']) {
    if (['gemmName', 'attentionOps'].includes(m)) continue; // CPU-private helpers
    assert.ok(mapped.has(m), `Backend method ${m} is in BACKEND_KERNELS or HOST_METHODS`);
    assert.equal(typeof (CudaBackend.prototype as unknown as Record<string, unknown>)[m], 'function', `CudaBackend.${m}`);
  }
  for (const [method, kernels] of Object.entries(BACKEND_KERNELS)) {
    for (const k of kernels) assert.ok(k === 'cublasLt' || k in KERNELS, `${method} → ${k} exists`);
  }
});

test('the parser reads a declaration the way the table spells it', () => {
  assert.equal(declType('const store_t *x'), 'const store_t *');
  assert.equal(declType('store_t* out'), 'store_t *');
  assert.equal(declType('unsigned long long threshold'), 'unsigned long long');
  assert.equal(declType('real eps'), 'real');
});

test('DTYPE_CODE is convert.cu\'s T_* numbering (convert and finish_sum read a buffer\'s dtype by that code)', () => {
  const src = fs.readFileSync(path.join(KERNELS_DIR, 'convert.cu'), 'utf8');
  const defined = Object.fromEntries([...src.matchAll(/^#define T_(\w+) (\d+)$/gm)].map((m) => [m[1]!.toLowerCase(), Number(m[2])]));
  assert.deepEqual(defined, { ...DTYPE_CODE });
});

test('GATE_ACTIVATION_CODE is swiglu.cu\'s ACT_* numbering (the swiglu kernels pick the MLP activation by that code)', () => {
  const src = fs.readFileSync(path.join(KERNELS_DIR, 'swiglu.cu'), 'utf8');
  const defined = Object.fromEntries([...src.matchAll(/^#define ACT_(\w+) (\d+)$/gm)].map((m) => [m[1]!.toLowerCase(), Number(m[2])]));
  assert.deepEqual(defined, { ...GATE_ACTIVATION_CODE });
});
