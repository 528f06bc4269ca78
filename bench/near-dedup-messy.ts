// Messier generated inputs of bench/near-dedup.ts, as users' data looks: log lines of several formats with numbers,
// ids, addresses and paths (repeats differ in a timestamp or a latency); near-identical templated records (a long
// notice whose fields are a name, an amount and a date, a share of them resent with one field changed); long
// documents (2 to 8 KB of words, a share of them copies with a few words edited); and unicode/short records (emoji,
// CJK, accents, empty and one-character texts, records of 4 to 6 code points at the 5-gram edge).
import { Rng } from '../src/util/rng.ts';

const SYL = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'qu', 'ish', 'bar', 'no', 'zet', 'po', 'li', 'gra', 'wen', 'fo'];

function word(rng: Rng): string {
  return Array.from({ length: 1 + rng.below(4) }, () => SYL[rng.below(SYL.length)]).join('');
}

/** Log lines of 6 formats: a timestamp, a level, numbers, ids, IPs, paths; 3% repeat an earlier line with a new latency (half of them a new timestamp too). */
export function logLines(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 11);
  const two = (k: number): string => String(k).padStart(2, '0');
  const hex = (k: number): string => Array.from({ length: k }, () => '0123456789abcdef'[rng.below(16)]).join('');
  const ip = (): string => `10.${rng.below(256)}.${rng.below(256)}.${rng.below(256)}`;
  const ts = (): string => `2026-${two(1 + rng.below(12))}-${two(1 + rng.below(28))}T${two(rng.below(24))}:${two(rng.below(60))}:${two(rng.below(60))}.${String(rng.below(1000)).padStart(3, '0')}Z`;
  const level = (): string => ['INFO', 'WARN', 'ERROR', 'DEBUG'][rng.below(4)]!;
  const formats: Array<() => string> = [
    () => `${ts()} ${level()} worker-${rng.below(64)} request id=${hex(16)} path=/api/v1/${word(rng)}/${rng.below(1e6)} status=${[200, 201, 204, 400, 404, 500][rng.below(6)]} latency_ms=${rng.below(5000)}`,
    () => `${ts()} ${level()} db pool=${word(rng)} connection to ${ip()}:${5432 + rng.below(4)} timed out after ${rng.below(30000)} ms (attempt ${1 + rng.below(5)}/5)`,
    () => `${ip()} - - [${ts()}] "GET /static/${word(rng)}/${hex(8)}.${['js', 'css', 'png'][rng.below(3)]} HTTP/1.1" ${[200, 304, 404][rng.below(3)]} ${rng.below(200000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
    () => `${ts()} ${level()} scheduler job=${word(rng)}-${rng.below(10000)} queued=${rng.below(500)} running=${rng.below(64)} took ${(rng.below(100000) / 1000).toFixed(3)}s user=${word(rng)}${rng.below(1000)}`,
    () => `${ts()} ERROR Traceback: File "/srv/app/${word(rng)}/${word(rng)}.py", line ${rng.below(2000)}, in ${word(rng)}_${word(rng)}: KeyError: '${word(rng)}'`,
    () => `${ts()} ${level()} kernel: [${rng.below(1e6)}.${String(rng.below(1e6)).padStart(6, '0')}] eth${rng.below(4)}: link ${['up', 'down'][rng.below(2)]} ${[100, 1000, 10000][rng.below(3)]}Mbps full duplex`,
  ];
  const out: Array<{ text: string }> = [];
  for (let i = 0; i < n; i++) {
    if (out.length > 0 && rng.below(100) < 3) {
      const line = out[rng.below(out.length)]!.text.replace(/\d+$/, String(rng.below(5000)));
      out.push({ text: rng.below(2) ? line.replace(/^\S+/, ts()) : line });
    }
    else out.push({ text: formats[rng.below(formats.length)]!() });
  }
  return out;
}

/** A 400-character notice whose fields are a name, an account, an amount and a date; 10% resend an earlier one with one field changed. */
export function templatedNotices(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 12);
  const name = (): string => `${word(rng)} ${word(rng)}`;
  const notice = (who: string, account: number, amount: string, date: string): string =>
    `Dear ${who}, this is a reminder that the payment of ${amount} EUR for account ${account} is due on ${date}. If you have already paid, please ignore this message. Otherwise you can pay online in the customer portal, by bank transfer quoting your account number, or at any of our offices. Late payments incur a fee of 5 EUR per week. Questions? Reply to this message or call our support line, open weekdays 8 to 18.`;
  const fields: Array<[string, number, string, string]> = [];
  const out: Array<{ text: string }> = [];
  for (let i = 0; i < n; i++) {
    let f: [string, number, string, string];
    if (fields.length > 0 && rng.below(10) === 0) {
      f = [...fields[rng.below(fields.length)]!];
      const k = rng.below(3);
      if (k === 0) f[2] = (rng.below(100000) / 100).toFixed(2);
      else if (k === 1) f[3] = `2026-${1 + rng.below(12)}-${1 + rng.below(28)}`;
      else f[0] = name();
    } else f = [name(), 1e7 + rng.below(9e7), (rng.below(100000) / 100).toFixed(2), `2026-${1 + rng.below(12)}-${1 + rng.below(28)}`];
    fields.push(f);
    out.push({ text: notice(...f) });
  }
  return out;
}

/** Documents of 300 to 1,200 made-up words (2 to 8 KB); 5% copy an earlier one with 1 to 20 words replaced. */
export function longDocuments(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 13);
  const out: Array<{ text: string }> = [];
  for (let i = 0; i < n; i++) {
    if (out.length > 0 && rng.below(20) === 0) {
      const w = out[rng.below(out.length)]!.text.split(' ');
      for (let e = 1 + rng.below(20); e > 0; e--) w[rng.below(w.length)] = word(rng);
      out.push({ text: w.join(' ') });
    } else out.push({ text: Array.from({ length: 300 + rng.below(900) }, () => word(rng)).join(' ') });
  }
  return out;
}

/** Unicode and short records: emoji, CJK, accented words, empty texts, one to six code points; some near copies. */
export function unicodeShort(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 14);
  const pieces = ['😀', '👍🏽', '🇫🇷', '日本語', '中文字', 'é', 'ß', 'ñ', 'ø', 'Ω', 'ا', 'ह', 'a', 'b', ' ', '1', '。', '\u0301'];
  const short = (k: number): string => Array.from({ length: k }, () => pieces[rng.below(pieces.length)]).join('');
  const out: Array<{ text: string }> = [];
  for (let i = 0; i < n; i++) {
    const k = rng.below(10);
    if (k === 0) out.push({ text: '' });
    else if (k < 4) out.push({ text: short(1 + rng.below(6)) });
    else if (k < 6 && out.length > 0) out.push({ text: out[rng.below(out.length)]!.text + short(rng.below(2)) });
    else out.push({ text: `${short(2)} ${word(rng)} ${short(3)} ${word(rng)} ${word(rng)} ${short(1)}` });
  }
  return out;
}
