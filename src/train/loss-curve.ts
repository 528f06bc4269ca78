// The loss curve of a run as a small standalone SVG: train loss per step and val loss per evaluation.
import { maxOf, minOf } from '../util/reduce.ts';

export interface CurvePoint {
  step: number;
  loss: number;
}

/** At most `max` points, evenly strided, keeping the last (a long run's curve stays a small file). */
function thin(points: readonly CurvePoint[], max: number): readonly CurvePoint[] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

export function lossCurveSvg(trainAll: readonly CurvePoint[], val: readonly CurvePoint[], title = 'loss'): string {
  const train = thin(trainAll, 2000);
  const W = 640, H = 360, L = 56, R = 16, T = 32, B = 40;
  const all = [...train, ...val].filter((p) => Number.isFinite(p.loss));
  const maxStep = maxOf(all, (p) => p.step, 1);
  const lo = minOf(all, (p) => p.loss), hi = maxOf(all, (p) => p.loss);
  const [y0, y1] = all.length ? (hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5]) : [0, 1];
  const x = (s: number): number => L + ((W - L - R) * s) / maxStep;
  const y = (v: number): number => T + (H - T - B) * (1 - (v - y0) / (y1 - y0));
  const line = (pts: readonly CurvePoint[]): string => pts.filter((p) => Number.isFinite(p.loss)).map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const esc = (s: string): string => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14">${esc(title)}</text>`,
    ...ticks.map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(3)}</text>`),
    `<text x="${(W + L) / 2}" y="${H - 8}" text-anchor="middle">step (of ${maxStep})</text>`,
    train.length ? `<path d="${line(train)}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>` : '',
    val.length ? `<path d="${line(val)}" fill="none" stroke="#d62728" stroke-width="2"/>` : '',
    ...val.map((p) => `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.loss).toFixed(1)}" r="3" fill="#d62728"/>`),
    `<text x="${W - R - 150}" y="20" fill="#1f77b4">― train</text><text x="${W - R - 80}" y="20" fill="#d62728">● val</text>`,
    '</svg>',
  ].join('\n') + '\n';
}
