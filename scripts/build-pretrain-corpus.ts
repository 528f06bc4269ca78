// Builds the pre-training corpus of models/mistral-tune-tiny from English text that Debian packages carry
// under licenses that allow redistributing a model trained on it (see models/mistral-tune-tiny/README.md):
//   bible-kjv-text (King James Version, public domain), wordnet-base (WordNet 3.0 glosses, WordNet
//   license), jargon-text (the Jargon File, public domain), fortunes (BSD; a chosen subset of files),
//   dict-devil (The Devil's Dictionary, public domain), and the prose of four manuals: python3.11-doc
//   (PSF License), sqlite3-doc (public domain), postgresql-doc-15 (PostgreSQL License), perl-doc (Artistic
//   License or GPL-1+, taken under the Artistic License) — code left out.
// Each source is cut into passages of about 700 characters at verse / paragraph / gloss boundaries
// (~170 tokens, so a passage fits the 256-token pre-training sequence), written as {text} JSONL, and
// run through our own `mistral-tune prepare` (clean, dedup, 98/1/1 split). Prints the size in tokens.
//   apt-get install -y bible-kjv bible-kjv-text wordnet-base jargon-text fortunes dict-devil python3.11-doc sqlite3-doc postgresql-doc-15 perl-doc
//   npm run build && node --import tsx scripts/build-pretrain-corpus.ts [--out tmp/pretrain-corpus]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { htmlParagraphs, podParagraphs, rstParagraphs } from './corpus-text.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const outArg = process.argv.indexOf('--out');
const OUT = path.resolve(outArg > 0 ? process.argv[outArg + 1]! : path.join(ROOT, 'tmp', 'pretrain-corpus'));
const TARGET_CHARS = 700;

/**
 * The fortunes files kept: quotations and jokes of general content. Left out: art/ascii-art (pictures),
 * song lyrics, Pratchett / Star Trek / Zippy / literature / humorists (quotations of copyrighted works),
 * and the files about ethnicity, politics, men-women, drugs and love (off-topic or offensive content).
 */
const FORTUNE_FILES = ['computers', 'cookie', 'debian', 'definitions', 'disclaimer', 'education', 'food', 'fortunes', 'goedel', 'kids',
  'knghtbrd', 'law', 'linux', 'linuxcookie', 'magic', 'medicine', 'miscellaneous', 'news', 'paradoxum', 'people', 'perl', 'pets',
  'platitudes', 'riddles', 'science', 'sports', 'tao', 'wisdom', 'work'];

interface Source { name: string; pkg: string; license: string; units: () => string[]; sep: string }

const SOURCES: Source[] = [
  { name: 'kjv', pkg: 'bible-kjv-text', license: 'public domain (text); GPL-2+ packaging', units: bibleVerses, sep: ' ' },
  { name: 'wordnet', pkg: 'wordnet-base', license: 'WordNet 3.0 license (use, copy, modify, distribute with notice)', units: wordnetGlosses, sep: '\n' },
  { name: 'jargon', pkg: 'jargon-text', license: 'public domain', units: jargonParagraphs, sep: '\n\n' },
  { name: 'fortunes', pkg: 'fortunes', license: 'BSD-3-Clause (fortune-mod); subset of files', units: fortunes, sep: '\n\n' },
  { name: 'devil', pkg: 'dict-devil', license: 'public domain', units: devilsDictionary, sep: '\n\n' },
  { name: 'python', pkg: 'python3.11-doc', license: 'PSF License Agreement (Python documentation); prose only', units: pythonDocs, sep: '\n\n' },
  { name: 'sqlite', pkg: 'sqlite3-doc', license: 'public domain; prose only', units: () => htmlDocs('/usr/share/doc/sqlite3'), sep: '\n\n' },
  { name: 'postgres', pkg: 'postgresql-doc-15', license: 'PostgreSQL License; prose only', units: () => htmlDocs('/usr/share/doc/postgresql-doc-15/html'), sep: '\n\n' },
  { name: 'perl', pkg: 'perl-doc', license: 'Artistic License (Perl is GPL-1+ or Artistic); prose only', units: perlDocs, sep: '\n\n' },
];

/** Every file under dir whose name ends with ext, sorted (so the corpus does not depend on directory order). */
function filesUnder(dir: string, ext: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f));
}

/** The Devil's Dictionary: one unit per paragraph of its entries (the dictd database's header entries left out). */
function devilsDictionary(): string[] {
  const text = zlib.gunzipSync(fs.readFileSync('/usr/share/dictd/devil.dict.dz')).toString('utf8');
  return text.split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p.length > 0 && !p.startsWith('00-database') && !/wiretap|aloysius/i.test(p));
}

/** Python's documentation: the prose paragraphs of its reStructuredText sources. */
function pythonDocs(): string[] {
  return filesUnder('/usr/share/doc/python3.11/html/_sources', '.rst.txt').flatMap((f) => rstParagraphs(fs.readFileSync(f, 'utf8')));
}

/** Perl's manuals (perl-doc): the prose paragraphs of its POD files. */
function perlDocs(): string[] {
  return filesUnder('/usr/share/perl/5.36/pod', '.pod').flatMap((f) => podParagraphs(fs.readFileSync(f, 'utf8')));
}

/** A manual in HTML: the prose paragraphs of every page. */
function htmlDocs(dir: string): string[] {
  return filesUnder(dir, '.html').flatMap((f) => htmlParagraphs(fs.readFileSync(f, 'utf8')));
}

/** The King James Version, one unit per verse, with "Book N" headings before each chapter. */
function bibleVerses(): string[] {
  const text = execFileSync('bible', ['-l0', 'Gen1:1-Rev22:21'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => l.replace(/^\d+ /, ''));
}

/** WordNet: "word (noun): gloss" per synset, in file order (which keeps related senses together). */
function wordnetGlosses(): string[] {
  const units: string[] = [];
  for (const [file, pos] of [['noun', 'noun'], ['verb', 'verb'], ['adj', 'adjective'], ['adv', 'adverb']] as const) {
    for (const line of fs.readFileSync(`/usr/share/wordnet/data.${file}`, 'utf8').split('\n')) {
      if (line === '' || line.startsWith('  ')) continue; // the license header lines start with two spaces
      const bar = line.indexOf(' | ');
      if (bar < 0) continue;
      const f = line.slice(0, bar).split(' ');
      const words = Array.from({ length: parseInt(f[3]!, 16) }, (_, i) => f[4 + 2 * i]!.replace(/_/g, ' ').replace(/\(\w+\)$/, ''));
      units.push(`${words.join(', ')} (${pos}): ${line.slice(bar + 3).trim()}`);
    }
  }
  return units;
}

/** The Jargon File, one unit per paragraph with its lines joined. */
function jargonParagraphs(): string[] {
  const text = zlib.gunzipSync(fs.readFileSync('/usr/share/doc/jargon-text/jargon.txt.gz')).toString('utf8');
  return text.split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, ' ').trim()).filter((p) => p.length > 0);
}

/** The chosen fortunes files, one unit per fortune, whitespace tidied (tabs before attributions). */
function fortunes(): string[] {
  return FORTUNE_FILES.flatMap((f) => fs.readFileSync(`/usr/share/games/fortunes/${f}`, 'utf8').split(/\n%\n/))
    .map((u) => u.replace(/\t+/g, '    ').replace(/[ ]+\n/g, '\n').trim()).filter((u) => u.length > 0);
}

/** Joins units into passages of about TARGET_CHARS; a longer unit is cut at sentence ends. */
function passages(units: string[], sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  const flush = (): void => {
    if (cur !== '') out.push(cur);
    cur = '';
  };
  for (const unit of units.flatMap((u) => (u.length > TARGET_CHARS * 1.5 ? sentences(u) : [u]))) {
    if (cur !== '' && cur.length + sep.length + unit.length > TARGET_CHARS) flush();
    cur = cur === '' ? unit : cur + sep + unit;
  }
  flush();
  return out;
}

function sentences(text: string): string[] {
  const parts = text.match(/[^.!?]+[.!?]+["”')\]]*\s*|[^.!?]+$/g) ?? [text];
  const out: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur !== '' && cur.length + p.length > TARGET_CHARS) {
      out.push(cur.trim());
      cur = '';
    }
    cur += p;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

fs.mkdirSync(path.join(OUT, 'raw'), { recursive: true });
const inputs: string[] = [];
for (const s of SOURCES) {
  const recs = passages(s.units(), s.sep);
  const file = path.join(OUT, 'raw', `${s.name}.jsonl`);
  fs.writeFileSync(file, recs.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  inputs.push(file);
  const chars = recs.reduce((n, r) => n + r.length, 0);
  console.log(`${s.name.padEnd(9)} ${s.pkg.padEnd(15)} ${String(recs.length).padStart(6)} passages ${(chars / 1e6).toFixed(2)}M chars  ${s.license}`);
}

const prep = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'prepare', '--input', ...inputs, '--out', path.join(OUT, 'data'),
  '--overwrite', '--split', '0.98,0.01,0.01', '--seed', '0', '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
if (prep.status !== 0) process.exit(prep.status ?? 1);
const report = JSON.parse(prep.stdout) as Record<string, unknown>;
fs.writeFileSync(path.join(OUT, 'prepare-report.json'), JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2).slice(0, 3000));
