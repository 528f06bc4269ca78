// Generated inputs of the near-duplicate tests: log lines (a shared format with unique fields) and paragraphs of
// made-up words.
import type { Rng } from '../../src/util/rng.ts';

const LEVELS = ['info', 'warn', 'error', 'debug'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'qu', 'ish', 'bar', 'no', 'zet', 'po', 'li', 'gra', 'wen', 'fo'];

/** The i-th log line (lower-cased): a timestamp, a level, a worker, a unique hex id, a unique path, a status, a latency. */
export function logLine(i: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const id = (Math.imul(i, 2654435761) >>> 0).toString(16);
  return `2026-12-0${(i % 9) + 1}t${two(i % 24)}:${two(i % 60)}:${two((i * 7) % 60)}.${String(i % 1000).padStart(3, '0')}z ${LEVELS[i % 4]} worker-${i % 16} request id=${id} path=/api/v1/items/${i} status=${200 + (i % 5)} latency_ms=${i % 997}`;
}

/** A made-up word of 2 to 4 syllables. */
export function madeUpWord(rng: Rng): string {
  return Array.from({ length: 2 + rng.below(3) }, () => SYLLABLES[rng.below(SYLLABLES.length)]).join('');
}

/** A paragraph of `words` made-up words (any two share few shingles). */
export function paragraph(rng: Rng, words: number): string {
  return `${Array.from({ length: words }, () => madeUpWord(rng)).join(' ')}.`;
}
