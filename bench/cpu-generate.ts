// Generation speed on the CPU against HF transformers (PyTorch, CPU) on the same random Mistral: greedy decoding with a
// KV cache, --new tokens after a --prompt-token prompt, tokens/s of the new tokens (a 1-token generation's time, the
// prompt's pass, subtracted). The shapes are bench/cpu-model.ts's configs (--configs nano,v131k,...). Each system runs
// each config in a fresh process, alternated, --runs times; the table gives each one's median.
// --cpu-time: one thread each and process CPU time instead of the wall (what a loaded shared machine disturbs least).
// The peer is transformers' MistralForCausalLM.generate (do_sample=False, min_new_tokens = max_new_tokens) in --python
// (a Python with torch and transformers, e.g. /tmp/hfvenv/bin/python), eager attention.
// Usage: node --import tsx bench/cpu-generate.ts [--configs nano,hd128,v131k --prompt 64 --new 128 --runs 2 --cpu-time
//   --python PATH --no-torch]
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchClock, CONFIGS, ONE_THREAD, type ConfigName } from './cpu-model.ts';

const { values: a } = parseArgs({
  options: {
    configs: { type: 'string', default: 'nano,hd128,v131k' }, prompt: { type: 'string', default: '64' }, new: { type: 'string', default: '128' },
    runs: { type: 'string', default: '2' }, 'cpu-time': { type: 'boolean' }, python: { type: 'string', default: '/usr/bin/python3' },
    'no-torch': { type: 'boolean' }, child: { type: 'string' },
  },
});
const cpuTime = a['cpu-time'] === true;
const promptLen = Number(a.prompt), nNew = Number(a.new);
const promptIds = Array.from({ length: promptLen }, (_, i) => 1 + ((i * 7919) % 30000));

if (a.child) {
  const { CpuBackend } = await import('../src/backend/cpu/cpu-backend.ts');
  const { parseConfig } = await import('../src/model/config.ts');
  const { createRandomModel } = await import('../src/model/init.ts');
  const { generate } = await import('../src/model/generate.ts');
  const model = createRandomModel(new CpuBackend(), parseConfig(CONFIGS[a.child as ConfigName]), { seed: 0 });
  const clock = benchClock(cpuTime);
  const ms = (n: number): number => { const t = clock(); generate(model, promptIds, { maxNewTokens: n, temperature: 0, eosIds: [] }); return clock() - t; };
  ms(1); // memory faulted in
  const t = ms(nNew + 1) - ms(1);
  console.log(JSON.stringify({ tokens_per_s: (nNew / t) * 1000 }));
  process.exit(0);
}

// transformers' generate on the same shape; std 0.02 weights (not ours: speed does not depend on the values)
const PEER = `import sys, json, time, torch
from transformers import MistralConfig, MistralForCausalLM
cfg, prompt, n, cpu = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
torch.set_num_threads(1 if cpu else 2)
torch.manual_seed(0)
model = MistralForCausalLM(MistralConfig(**cfg, attn_implementation="eager")).eval()
ids = torch.tensor([prompt])
clock = time.process_time if cpu else time.perf_counter
def ms(k):
    t = clock()
    with torch.inference_mode():
        model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=k, min_new_tokens=k, pad_token_id=0)
    return (clock() - t) * 1000
ms(1)
t = ms(n + 1) - ms(1)
print(json.dumps({"tokens_per_s": n / t * 1000, "torch": torch.__version__}))`;

const me = fileURLToPath(import.meta.url);
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const env = cpuTime ? { ...process.env, ...ONE_THREAD } : process.env;
const rows: { config: string; ours: number[]; torch: number[] }[] = [];
for (const name of a.configs!.split(',')) {
  if (!(name in CONFIGS)) { console.error(`cpu-generate: unknown config '${name}' (${Object.keys(CONFIGS).join(', ')})`); process.exit(2); }
  rows.push({ config: name, ours: [], torch: [] });
}
for (let run = 0; run < Number(a.runs); run++) {
  for (const row of rows) {
    const args = ['--import', 'tsx', me, '--child', row.config, '--prompt', a.prompt!, '--new', a.new!, ...(cpuTime ? ['--cpu-time'] : [])];
    const o = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)!) as { tokens_per_s: number };
    row.ours.push(o.tokens_per_s);
    if (a['no-torch']) continue;
    const c = CONFIGS[row.config as ConfigName];
    const cfg = { vocab_size: c.vocab_size, hidden_size: c.hidden_size, intermediate_size: c.intermediate_size, num_hidden_layers: c.num_hidden_layers,
      num_attention_heads: c.num_attention_heads, num_key_value_heads: c.num_key_value_heads, head_dim: c.head_dim, rms_norm_eps: c.rms_norm_eps,
      rope_theta: c.rope_theta, sliding_window: c.sliding_window, tie_word_embeddings: false };
    const p = JSON.parse(execFileSync(a.python!, ['-c', PEER, JSON.stringify(cfg), JSON.stringify(promptIds), a.new!, cpuTime ? '1' : '0'],
      { encoding: 'utf8', env: { ...env, HF_HUB_OFFLINE: '1' } }).trim().split('\n').at(-1)!) as { tokens_per_s: number };
    row.torch.push(p.tokens_per_s);
    console.log(JSON.stringify({ run: run + 1, config: row.config, ours: o.tokens_per_s, torch: p.tokens_per_s }));
  }
}
console.log(`\n# ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; ${cpuTime ? 'one thread each, CPU time' : 'wall time, default threads'}; ` +
  `greedy, ${nNew} new tokens after ${promptLen}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`# ${'config'.padEnd(8)} ${'ours tok/s'.padStart(11)} ${'torch tok/s'.padStart(12)} ${'ours/torch'.padStart(11)}   (medians of ${a.runs} runs)`);
for (const r of rows) {
  const o = median(r.ours), t = r.torch.length ? median(r.torch) : NaN;
  console.log(`# ${r.config.padEnd(8)} ${o.toFixed(1).padStart(11)} ${t.toFixed(1).padStart(12)} ${(o / t).toFixed(2).padStart(10)}×`);
}
