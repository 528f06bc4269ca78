// torch.randperm(n, generator=torch.Generator().manual_seed(seed)) on the CPU, bit for bit: the order in which HF's
// Trainer visits a shuffled training set (accelerate's SeedableRandomSampler seeds its generator with seed + epoch
// before each epoch's RandomSampler draws one randperm). torch's CPU generator is a 32-bit MT19937 seeded with the low
// 32 bits of the seed (init_genrand); randperm_cpu swaps r[i] with r[i + random() % (n − i)] for i = 0 … n − 2 (the
// path for n below 2^32 / 20; torch takes another past it). Checked against torch 2.13 for n up to 1000 and several
// seeds (test/util/torch-randperm.test.ts holds torch's outputs). TorchCpuGenerator goes on drawing from one generator,
// as HF's group_by_length order draws from torch's default one (data/length-groups.ts).
import { UserError } from './errors.ts';

const N = 624, M = 397;

/** MT19937 (Matsumoto and Nishimura's, as at::mt19937): 32-bit outputs from a 32-bit seed; `drawn` counts them. */
class Mt19937 {
  private readonly state = new Uint32Array(N);
  private next = N;
  drawn = 0;

  constructor(seed: number) {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let j = 1; j < N; j++) {
      const prev = s[j - 1]! ^ (s[j - 1]! >>> 30);
      s[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
  }

  random(): number {
    const s = this.state;
    if (this.next >= N) {
      for (let k = 0; k < N; k++) {
        const y = (s[k]! & 0x80000000) | (s[(k + 1) % N]! & 0x7fffffff);
        s[k] = s[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.next = 0;
    }
    this.drawn++;
    let y = s[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** The largest n whose permutation is torch's (randperm_cpu's small-n path). */
const MAX_N = Math.floor(0xffffffff / 20);

function checkSeed(seed: number, who: string): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UserError(`${who}: seed must be a non-negative integer, got ${seed}`);
}

/**
 * torch's CPU generator after manual_seed(seed), drawn from as torch draws: `randperm(n)` (randperm_cpu), and
 * `randomInt64()` (torch.empty((), dtype=torch.int64).random_(), two 32-bit outputs: what a torch DataLoader's iterator
 * takes from the default generator for its workers' base seed). `drawn`: the 32-bit outputs taken so far; `skip` takes
 * more unseen (a generator put back where a count says it was).
 */
export class TorchCpuGenerator {
  private readonly mt: Mt19937;

  constructor(seed: number) {
    checkSeed(seed, 'TorchCpuGenerator');
    this.mt = new Mt19937(seed % 2 ** 32);
  }

  get drawn(): number {
    return this.mt.drawn;
  }

  skip(count: number): void {
    for (let i = 0; i < count; i++) this.mt.random();
  }

  randomInt64(): void {
    this.skip(2);
  }

  /** torch.randperm(n) (n below MAX_N < 2^31, so an Int32Array: 4 bytes a row, where a loader orders millions). */
  randperm(n: number): Int32Array {
    if (!Number.isSafeInteger(n) || n < 0 || n >= MAX_N) throw new UserError(`torch randperm: n must be an integer in [0, ${MAX_N}), got ${n}`);
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) r[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const z = this.mt.random() % (n - i);
      const t = r[i]!;
      r[i] = r[z + i]!;
      r[z + i] = t;
    }
    return r;
  }
}

/** torch.randperm(n) of a CPU generator manually seeded with `seed` (a non-negative safe integer; its low 32 bits count). */
export function torchRandperm(n: number, seed: number): Int32Array {
  checkSeed(seed, 'torchRandperm');
  return new TorchCpuGenerator(seed).randperm(n);
}
