// The environment variables of bench/gpu-plan.ts VARIANTS named as the bench's `+name`s, one KEY=VALUE a line, for
// scripts/device-check.sh's CONFIRM (every step of that call runs with them). An unknown name: one line, exit 2.
//   node --import tsx bench/variant-env.ts flash-fwd128,flash-bwd128
import { VARIANTS } from './gpu-plan.ts';

const names = (process.argv[2] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
const unknown = names.filter((n) => !Object.hasOwn(VARIANTS, n));
if (names.length === 0 || unknown.length > 0) {
  console.error(`${names.length === 0 ? 'no variant named' : `unknown variant ${unknown.join(', ')}`}: give NAME,NAME... of ${Object.keys(VARIANTS).join(', ')}`);
  process.exit(2);
}
for (const n of names) for (const [k, v] of Object.entries(VARIANTS[n]!)) console.log(`${k}=${v}`);
