// Near-duplicate detection: exact Jaccard of 5-gram shingles, MinHash estimates, LSH candidates.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { SIG_SIZE, bandsFor, estimateJaccard, jaccard, jaccardAtMost, minhashSignature, minhashSignatureOfParts, shingleHashes, shingleSet } from '../../src/data/minhash.ts';
import { IntMultiMap } from '../../src/data/hash-table.ts';
import { IntLists } from '../../src/data/int-lists.ts';
import { NearDupIndex } from '../../src/data/near-dedup.ts';
import { nearMatchLines } from './near-matches.ts';
import { Rng } from '../../src/util/rng.ts';
import { UserError } from '../../src/util/errors.ts';

test('shingles are code-point 5-grams; short texts are one shingle', () => {
  assert.deepEqual([...shingleSet('abcdefg')], ['abcde', 'bcdef', 'cdefg']);
  assert.deepEqual([...shingleSet('🙂🙂🙂🙂🙂x')], ['🙂🙂🙂🙂🙂', '🙂🙂🙂🙂x']);
  assert.deepEqual([...shingleSet('abc')], ['abc']);
  assert.equal(shingleSet('').size, 0);
  assert.equal(jaccard(shingleSet('abcdef'), shingleSet('abcdeg')), 1 / 3);
});

test('shingle hashes: one per distinct shingle, and their bound is never below the exact Jaccard, however often hashes collide', () => {
  const rng = new Rng(5);
  const alphabet = ['a', 'b', 'c', ' ', 'é', '🙂', '\ud800', 'x'];
  const text = (n: number) => Array.from({ length: n }, () => alphabet[rng.below(alphabet.length)]).join('');
  let tight = 0;
  for (let k = 0; k < 300; k++) {
    const a = text(rng.below(60)), b = rng.below(3) === 0 ? a.slice(rng.below(5)) + text(rng.below(4)) : text(rng.below(60));
    const exact = jaccard(shingleSet(a), shingleSet(b));
    for (const bits of [32, 8, 3, 0]) {
      const ha = shingleHashes(a, bits), hb = shingleHashes(b, bits);
      assert.equal(ha.length, shingleSet(a).size, `${JSON.stringify(a)} at ${bits} bits`);
      assert.ok(ha.every((v, i) => i === 0 || ha[i - 1]! <= v), 'sorted');
      const bound = jaccardAtMost(ha, hb);
      assert.ok(bound >= exact, `${JSON.stringify(a)} vs ${JSON.stringify(b)} at ${bits} bits: bound ${bound} < exact ${exact}`);
      if (bits === 32 && bound === exact) tight++;
    }
  }
  assert.ok(tight > 290, `with 32-bit hashes the bound is the exact value but for collisions (${tight} of 300)`);
  assert.equal(jaccardAtMost(shingleHashes(''), shingleHashes('')), 1);
});

test('shingle hashes of fewer bits are the 32-bit ones cut to them and sorted, a repeated shingle counted once', () => {
  const rng = new Rng(9);
  const alphabet = ['a', 'b', 'c', ' ', 'é', '🙂', 'x', '1', '2'];
  const text = (n: number) => Array.from({ length: n }, () => alphabet[rng.below(alphabet.length)]).join('');
  for (let k = 0; k < 200; k++) {
    // a repeated piece makes shingles the text repeats: runs of one value that are one shingle, not two
    const piece = text(3 + rng.below(8)), t = rng.below(2) ? piece.repeat(2 + rng.below(4)) + text(rng.below(20)) : text(rng.below(200));
    const full = shingleHashes(t, 32);
    assert.equal(full.length, shingleSet(t).size, JSON.stringify(t));
    for (const bits of [16, 8, 4]) {
      const cut = Uint32Array.from(full, (v) => v & ((1 << bits) - 1)).sort();
      assert.deepEqual([...shingleHashes(t, bits)], [...cut], `${JSON.stringify(t)} at ${bits} bits`);
    }
  }
});

function words(rng: Rng, n: number): string {
  const vocab = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];
  return Array.from({ length: n }, () => vocab[rng.below(vocab.length)]! + rng.below(100)).join(' ');
}

test('the MinHash estimate tracks the exact Jaccard similarity', () => {
  const rng = new Rng(1);
  const a = new Uint32Array(SIG_SIZE), b = new Uint32Array(SIG_SIZE);
  let worst = 0;
  for (let k = 0; k < 40; k++) {
    const base = words(rng, 150);
    const edited = base.split(' ').map((w) => (rng.below(100) < k * 2 ? 'zz' + w : w)).join(' ');
    minhashSignature(base, a);
    minhashSignature(edited, b);
    worst = Math.max(worst, Math.abs(estimateJaccard(a, b) - jaccard(shingleSet(base), shingleSet(edited))));
  }
  assert.ok(worst < 0.2, `estimate off by ${worst}`);
  minhashSignature('same text here', a);
  minhashSignature('same text here', b);
  assert.equal(estimateJaccard(a, b), 1);
});

test("two-part records: the bands' signature is of the parts' shingles told apart, as alike as the least alike part", () => {
  // before: the bands took the signature of the parts joined by a newline, whose shingles across the join two short
  // prompts that end differently do not share: 'q: what is the currency of fopo?' and '…fovi?', both completed by
  // 'rabar', are 0.81 and 1 alike, joined 0.7, so the bands caught such a pair with less than their guarantee
  const rng = new Rng(9);
  const syl = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'po', 'fo'];
  const name = () => Array.from({ length: 2 + rng.below(2) }, () => syl[rng.below(syl.length)]).join('');
  const a = new Uint32Array(SIG_SIZE), b = new Uint32Array(SIG_SIZE);
  let least = 0, alike = 0, n = 0;
  for (let i = 0; i < 1200; i++) {
    const answer = name(), x = [`q: what is the currency of ${name()}?`, answer], y = [x[0]!.replace(/\w+\?$/, `${name()}?`), answer];
    const j = Math.min(...x.map((p, k) => jaccard(shingleSet(p), shingleSet(y[k]!))));
    if (j < 0.7) continue;
    minhashSignatureOfParts(x, a);
    minhashSignatureOfParts(y, b);
    least += j;
    alike += estimateJaccard(a, b);
    n++;
  }
  assert.ok(n >= 60, `${n} pairs`);
  // the estimate of a union at least as alike as its least alike part: no lower on average (up to its noise, 0.005)
  assert.ok(alike / n >= least / n - 0.02, `the bands' signatures ${(alike / n).toFixed(3)} alike, the least alike parts ${(least / n).toFixed(3)}`);
});

test("one part: minhashSignatureOfParts's signature is minhashSignature's, bit for bit as before the parts were told apart", () => {
  // the digest of minhashSignature over these texts at main e598411e (before minhashSignatureOfParts): one-part
  // records keep their band keys and estimates
  const rng = new Rng(3), alphabet = [...'ab c😀dé\n'];
  const texts = ['', 'a', 'abcd', 'abcde', '😀😀', 'q: what is the currency of fopo?\nrabar'];
  for (let i = 0; i < 300; i++) texts.push(Array.from({ length: rng.below(60) }, () => alphabet[rng.below(8)]).join(''));
  const hash = createHash('sha256'), s = new Uint32Array(SIG_SIZE), t = new Uint32Array(SIG_SIZE);
  for (const text of texts) {
    minhashSignatureOfParts([text], s);
    minhashSignature(text, t);
    assert.deepEqual(s, t);
    hash.update(Buffer.from(s.buffer));
  }
  assert.equal(hash.digest('hex').slice(0, 16), '7f7f329daba28283');
});

test('short records over a small vocabulary share LSH bands only as often as their Jaccard says; their near copies still do', () => {
  // before: rotation densification filled a short text's many empty bins from its few native ones, so a band of 6
  // values was one or two values: a fifth of these pairs (J about 0.2) shared a band, and near-dedup compared each
  // record with a fixed share of all (50k rows 32 s, 200k 246 s)
  const rng = new Rng(3);
  const vocab = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const sentence = () => Array.from({ length: 12 }, () => vocab[rng.below(vocab.length)]!);
  const { bands, rows } = bandsFor(0.8);
  const sigOf = (t: string) => { const s = new Uint32Array(SIG_SIZE); minhashSignature(t, s); return s; };
  const shareBand = (a: Uint32Array, b: Uint32Array) => Array.from({ length: bands }, (_, k) => k).some((k) => a.subarray(k * rows, (k + 1) * rows).every((v, r) => v === b[k * rows + r]));
  const texts = Array.from({ length: 200 }, () => `${sentence().join(' ')} ${rng.below(10000)}`), sigs = texts.map(sigOf);
  let sharing = 0;
  for (let i = 0; i < sigs.length; i++) for (let j = i + 1; j < sigs.length; j++) if (shareBand(sigs[i]!, sigs[j]!)) sharing++;
  assert.ok(sharing < 400, `${sharing} of ${(200 * 199) / 2} pairs share a band`); // 25 · J⁵ at J ≈ 0.2-0.4: under 1%
  // a copy with another number at the end, or one more word (J 0.8 to 0.9), is found by the bands, as a long text's is
  let found = 0, near = 0;
  for (let i = 0; i < 200; i++) {
    const w = sentence(), a = w.join(' ') + ' 17', b = i % 2 ? w.join(' ') + ' 9046' : [...w, 'mike'].join(' ') + ' 17';
    if (jaccard(shingleSet(a), shingleSet(b)) < 0.8) continue;
    near++;
    if (shareBand(sigOf(a), sigOf(b))) found++;
  }
  assert.ok(near >= 150 && found >= near - 2, `${found} of ${near} near copies share a band`);
});

test('NearDupIndex over a tiny vocabulary: each record meets the earlier ones in its band buckets as 25 · J⁵ says, and reads none back', () => {
  // the work counted, not timed: the bucket entries the queries met (stats.bandEntries, what the visits cost) per pair of
  // a record and an earlier kept one, and the kept records read back for an exact comparison. Sentences of 12 words
  // from 12 and a number are all kept and about 0.2-0.3 alike (25 · J⁵: under 1% a pair; 0.71% met, 9 read back);
  // rotation densification (before 37767ba8) met 45% a pair, 672 entries a record where these meet 11
  const rng = new Rng(11);
  const vocab = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const texts = Array.from({ length: 3000 }, () => `${Array.from({ length: 12 }, () => vocab[rng.below(vocab.length)]!).join(' ')} ${rng.below(10000)}`);
  const idx = new NearDupIndex(0.8);
  const kept: number[] = [];
  let pairs = 0, readBack = 0;
  for (let r = 0; r < texts.length; r++) {
    pairs += kept.length;
    if (!idx.check([texts[r]!], kept.length, (i) => { readBack++; return [texts[kept[i]!]!]; })) kept.push(r);
  }
  assert.equal(kept.length, texts.length);
  assert.ok(idx.stats.bandEntries < 0.02 * pairs, `${idx.stats.bandEntries} bucket entries met for ${pairs} pairs`);
  assert.ok(readBack < texts.length / 100, `${readBack} records read back`);
});

test('bands catch pairs at the threshold with high probability', () => {
  for (const t of [0.5, 0.7, 0.8, 0.9, 0.95]) {
    const { bands, rows } = bandsFor(t);
    assert.ok(bands * rows <= SIG_SIZE);
    assert.ok(1 - (1 - t ** rows) ** bands >= 0.995);
  }
});

test('NearDupIndex: finds the earliest near duplicate at or above the threshold, confirmed exactly', () => {
  const rng = new Rng(7);
  const texts: string[] = [];
  const idx = new NearDupIndex(0.8);
  const textOf = (i: number) => [texts[i]!];
  const add = (t: string) => {
    const m = idx.check([t], texts.length, textOf);
    if (!m) texts.push(t);
    return m;
  };
  for (let i = 0; i < 300; i++) assert.equal(add(words(rng, 60)), null, `distinct text ${i} flagged`);
  const original = texts[123]!;
  const light = original.replace(/alpha/g, 'ALPHA').slice(0, -3) + ' the end';
  const j = jaccard(shingleSet(light), shingleSet(original));
  assert.ok(j >= 0.8 && j < 1, `edit should keep Jaccard ≥ 0.8, got ${j}`);
  const m = add(light);
  assert.ok(m && m.index === 123 && Math.abs(m.similarity - j) < 1e-12);
  // a heavier edit, below the threshold, is kept
  const heavy = original.split(' ').map((w, k) => (k % 3 === 0 ? w + 'x' : w)).join(' ');
  assert.ok(jaccard(shingleSet(heavy), shingleSet(original)) < 0.8);
  assert.equal(add(heavy), null);
});

test('the threshold is configurable', () => {
  const a = 'the quick brown fox jumps over the lazy dog near the river bank today';
  const b = 'the quick brown fox jumps over the sleepy cat near the river bank today';
  const j = jaccard(shingleSet(a), shingleSet(b));
  assert.ok(j > 0.55 && j < 0.75, `${j}`);
  for (const [t, dup] of [[0.8, false], [j + 0.02, false], [j, true], [0.5, true]] as const) {
    const idx = new NearDupIndex(t);
    const texts = [a];
    assert.equal(idx.check([a], 0, (i) => [texts[i]!]), null);
    assert.equal(idx.check([b], 1, (i) => [texts[i]!]) !== null, dup, `threshold ${t}`);
  }
});

test('NearDupIndex with two parts: a duplicate only when both are nearly the same, whatever a shared template adds', () => {
  const template = 'below is an instruction that describes a task. write a response that appropriately completes the request. ### instruction: ';
  const records = [[`${template}What is 2+2?`, '4'], [`${template}Who wrote Hamlet?`, 'Shakespeare'], [`${template}What is the capital of Peru?`, 'Lima']];
  const idx = new NearDupIndex(0.8);
  const kept: string[][] = [];
  for (const r of records) {
    assert.equal(idx.check(r.map((p) => p.toLowerCase()), kept.length, (i) => kept[i]!), null, `${r[0]} is no duplicate: its answer differs`);
    kept.push(r.map((p) => p.toLowerCase()));
  }
  const again = [`${template}what is 2 + 2?`, '4'];
  assert.equal(idx.check(again, 3, (i) => kept[i]!)?.index, 0, 'the same question and answer, respaced');
  assert.equal(idx.check([`${template}what is 2+2?`, 'four, of course'], 3, (i) => kept[i]!), null, 'the same question, another answer');
  assert.equal(idx.check([`${template}what is 2+2?`], 3, (i) => kept[i]!), null, 'one part against two: not comparable');
});

test('NearDupIndex with two parts: a pair whose every part reaches the threshold is found, though joined it is 0.7 alike', () => {
  // bench:near-dedup's prompt/completion pairs (seeds 2 to 4, 20k records each) that the bands of the parts joined by
  // a newline missed: parts 0.81 and 1 alike, joined 0.69 to 0.74; every other match of those inputs is unchanged
  const pairs = [['fotu', 'foel', 'sengra'], ['lipo', 'liel', 'wenli'], ['mitu', 'mika', 'anpo'], ['elpo', 'ello', 'senan'], ['dorpo', 'dorli', 'elra'], ['zetqu', 'zetfo', 'tuli']];
  for (const [a, b, answer] of pairs) {
    const x = [`q: what is the currency of ${a}?`, answer!], y = [`q: what is the currency of ${b}?`, answer!];
    const least = jaccard(shingleSet(x[0]!), shingleSet(y[0]!)); // the completions are the same
    assert.ok(least >= 0.8 && jaccard(shingleSet(x.join('\n')), shingleSet(y.join('\n'))) < 0.75, `${a}/${b}: ${least}`);
    const idx = new NearDupIndex(0.8);
    assert.equal(idx.check(x, 0, () => x), null);
    assert.deepEqual(idx.check(y, 1, () => x), { index: 0, similarity: least }, `${a}/${b}`);
  }
});

test('IntMultiMap: a key many values share is counted and listed whole, among keys of one value', () => {
  const map = new IntMultiMap();
  for (let v = 0; v < 5000; v++) {
    map.add(7, v);
    map.add(1000 + v, v);
  }
  map.add(-3, 1);
  assert.equal(map.size(7), 5000);
  assert.equal(map.size(1234), 1);
  assert.equal(map.size(8), 0);
  const seven: number[] = [];
  map.forEach(7, (v) => seven.push(v));
  assert.deepEqual(seven, Array.from({ length: 5000 }, (_, i) => 4999 - i));
  const pairs: string[] = [];
  map.forEachEntry((k, v) => pairs.push(`${k}:${v}`));
  assert.equal(pairs.length, 10001);
  assert.ok(pairs.includes('-3:1') && pairs.includes('7:0') && pairs.includes('5999:4999'));
});

test('IntMultiMap: adds to many keys interleaved, some while their key is listed, keep every key\'s values newest first', () => {
  const rng = new Rng(21);
  const map = new IntMultiMap(), model = new Map<number, number[]>();
  const add = (key: number, value: number): void => {
    map.add(key, value);
    model.set(key, [value, ...(model.get(key) ?? [])]);
  };
  for (let s = 0; s < 40_000; s++) {
    const key = rng.below(2) ? rng.below(30) : rng.below(3000) - 1500; // a few crowded keys among many small ones
    add(key, rng.below(1e6));
    if (rng.below(50) === 0) {
      // a forEach that adds to its own key (crossing 32 values, some of these) and to others lists what it started with
      const listed: number[] = [], before = model.get(key)!;
      map.forEach(key, (v) => {
        listed.push(v);
        if (listed.length <= 2) add(key, v + 1);
        add(rng.below(3000) - 1500, v);
      });
      assert.deepEqual(listed, before);
    }
  }
  for (const [key, values] of model) {
    const listed: number[] = [];
    map.forEach(key, (v) => listed.push(v));
    assert.deepEqual(listed, values, `key ${key}`);
    assert.equal(map.size(key), values.length);
  }
});

test('IntMultiMap: the values of crowded keys are kept off the JavaScript heap, as the chains are', () => {
  // 25 band keys a record at 10M records are 250M values: on the heap (Node's default limit about 4 GB), an out-of-memory crash
  const map = new IntMultiMap();
  const before = getHeapStatistics().used_heap_size;
  for (let r = 0; r < 40; r++) for (let k = 0; k < 100_000; k++) map.add(k, r * 100_000 + k);
  const grew = getHeapStatistics().used_heap_size - before;
  assert.ok(grew < 4_000_000 * 2, `the heap grew by ${grew} bytes for 4M values`);
  const seen: number[] = [];
  map.forEach(99_999, (v) => seen.push(v));
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, r) => (39 - r) * 100_000 + 99_999));
});

test('IntLists: tally counts how many lists hold each value, across chunks, reporting those that reach the need; clear undoes it; forEach lists them', () => {
  const lists = new IntLists(3);
  for (let v = 0; v < 3000; v++) lists.push(0, v);
  for (let v = 0; v < 3000; v += 2) lists.push(1, v);
  lists.push(2, 99);
  assert.deepEqual([0, 1, 2].map((l) => lists.length(l)), [3000, 1500, 1]);
  const counts = new Uint8Array(3000), ready = new Int32Array(3000);
  let n = 0;
  for (const l of [1, 2, 0]) n = lists.tally(l, counts, 2, ready, n);
  assert.deepEqual([...ready.subarray(0, n)], [...Array.from({ length: 1500 }, (_, i) => 2 * i), 99].sort((a, b) => a - b));
  assert.deepEqual([0, 1, 98, 99].map((v) => counts[v]), [2, 1, 2, 2]);
  for (const l of [0, 1, 2]) lists.clear(l, counts);
  assert.ok(counts.every((c) => c === 0));
  const listed: number[] = [];
  lists.forEach(1, (v) => listed.push(v));
  assert.deepEqual(listed, Array.from({ length: 1500 }, (_, i) => 2 * i), 'forEach: the values in the order pushed, across chunks');
});

/** The one error of a full near-dedup index: what is full and what to do. */
const indexFull = (e: unknown): boolean =>
  e instanceof UserError && /too many near-duplicate band entries.*split the data.*--dedup exact/.test(e.message);

test('IntLists: a push past its capacity (32-bit chunk links: 2^31 − 1 ints) throws a UserError before the chunk is taken, the values before it intact', () => {
  // chunks of 1 + 32, 1 + 64, 1 + 128 ints: at capacity 200 the third does not fit (33 + 65 + 129 = 227)
  const lists = new IntLists(2, 200);
  for (let v = 0; v < 96; v++) lists.push(0, v);
  assert.throws(() => lists.push(0, 96), indexFull);
  assert.equal(lists.length(0), 96);
  const listed: number[] = [];
  lists.forEach(0, (v) => listed.push(v));
  assert.deepEqual(listed, Array.from({ length: 96 }, (_, i) => i));
  lists.push(1, 7); // a chunk that fits (98 + 33 ≤ 200) is still taken
  assert.equal(lists.length(1), 1);
});

test('IntMultiMap: past its chained values or its crowds\' ints, an add throws the UserError of a full index', () => {
  const chained = new IntMultiMap({ chained: 10 });
  for (let k = 0; k < 5; k++) for (const v of [1, 2]) chained.add(k, v); // two chain entries a key
  chained.add(5, 3); // one value: in its slot, not chained
  assert.throws(() => chained.add(5, 4), indexFull);
  const listed = new IntMultiMap({ listed: 200 });
  for (let v = 0; v < 96; v++) listed.add(7, v); // a crowd from 32 values on, in chunks as IntLists' above
  assert.throws(() => listed.add(7, 96), indexFull);
  assert.equal(listed.size(7), 96);
});

test('NearDupIndex: with posting lists from the start, when the bands cost too much, or never, the same matches', () => {
  // templated one-liners and pairs put most records in the same LSH bands (at 0.5 and 0.8 the default starts
  // posting lists after a few hundred); some records are light edits of earlier ones, and some kept records are
  // skipped, as those of another class are
  const rng = new Rng(3);
  const syl = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el'];
  const name = () => Array.from({ length: 2 + rng.below(3) }, () => syl[rng.below(syl.length)]).join('');
  const records: string[][] = [];
  for (let i = 0; i < 1200; i++) {
    const k = rng.below(10);
    const light = rng.below(2) === 0;
    if (k < 2 && records.length) records.push(records[rng.below(records.length)]!.map((p) => (light ? `${p} ` : p.replace(/a/, 'e') + '!')));
    else if (k < 5) records.push([`the capital of ${name()} is ${name()}.`]);
    else records.push([`q: what is the currency of ${name()}?`, name()]);
  }
  for (const t of [0.5, 0.8, 0.95]) {
    const results = (['never', 'always', 'auto'] as const).map((mode) => nearMatchLines(new NearDupIndex(t, mode), records, (r) => r % 7 === 3));
    const dropped = results[0]!.filter((m) => !m.endsWith('-')).length;
    assert.ok(dropped > 30, `threshold ${t}: ${dropped} dropped`);
    assert.deepEqual(results[1], results[0], `threshold ${t}: posting lists from the start`);
    assert.deepEqual(results[2], results[0], `threshold ${t}: posting lists when the bands cost too much`);
  }
});

test('NearDupIndex: the matches of a fixed templated input are the recorded ones (a speed-up must not change them)', () => {
  // product descriptions sharing a sentence (close by estimate, mostly below 0.8 exactly), instruction/output
  // pairs with such descriptions, templated one-liners, and light edits of earlier records (near duplicates):
  // crowded bands, posting lists, the shingle-hash bound and exact confirmations all decide some records. The
  // digest is of every record's match (earliest kept record and similarity), recorded from the code before
  // any speed-up; a change to how candidates are found may change the time, never this.
  const rng = new Rng(11);
  const pick = (a: readonly string[]) => a[rng.below(a.length)]!;
  const color = ['red', 'blue', 'green', 'black', 'white', 'silver', 'golden', 'navy'];
  const item = ['backpack', 'lamp', 'chair', 'kettle', 'scarf', 'desk', 'mug', 'watch', 'jacket', 'vase'];
  const brand = ['acme', 'nordic home', 'urbanco', 'solis', 'fjord', 'kestrel'];
  const boiler = ' every order ships free, arrives in recyclable packaging, and is backed by our thirty-day return policy.';
  const describe = () => `the ${pick(color)} ${pick(item)} from ${pick(brand)} costs $${5 + rng.below(500)}.${rng.below(100)}.` + boiler.slice(0, 40 + rng.below(70));
  const records: string[][] = [];
  for (let i = 0; i < 1500; i++) {
    const k = rng.below(20);
    if (k < 2 && records.length) records.push(records[rng.below(records.length)]!.map((p) => p.replace(/e/, 'a') + (rng.below(2) ? '.' : '')));
    else if (k < 9) records.push([describe()]);
    else if (k < 15) records.push([`describe the ${pick(color)} ${pick(item)} from ${pick(brand)}.`, `${describe()} model ${rng.below(1000)}.`]);
    else records.push([`the capital of ${pick(brand)} is ${pick(color)}${pick(item)}.`]);
  }
  // with the default budget of shingle hashes, and one that keeps the hashes of about 100 records only
  for (const budget of [undefined, 10_000]) {
    const lines = nearMatchLines(new NearDupIndex(0.8, 'auto', budget), records, (r) => r % 11 === 5);
    const dropped = lines.filter((m) => !m.endsWith('-')).length;
    const digest = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
    assert.deepEqual({ dropped, digest }, { dropped: 256, digest: 'b70f5a0b8d076821' }, `hash budget ${budget ?? 'default'}`);
  }
});

test('NearDupIndex: with a ShingleBound (when the bounds cost too much, from the start) the same matches as without, on varied inputs', () => {
  // records sharing a long preamble and ending in a few words (each a candidate of every other, just below the
  // threshold: at 0.8 the default keeps a ShingleBound after 150 of them), exact copies, edits of earlier records
  // (a few of their last words replaced, around any threshold; a few characters to many), empty and short texts,
  // two-part records with a shared prompt template, and a pair at 0.804 that the bands miss (24 words, 2 in 12 of the
  // last replaced: 1 in 550k such pairs, found by search): no match. The ShingleBound is not asked for its second
  // record's candidates (its band buckets are nearly empty: visiting them reads less), so the PrefixFilter, asked for
  // every query's, is: it finds the first, and the candidates any finder gives must still be the bands';
  // kept records skipped as those of another class are. The reference is the index without a ShingleBound, as it
  // was before there was one.
  const syl = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'qu', 'ish', 'po', 'gra', 'wen', 'fo', 'zet', 'bar', 'no', 'li', 'hu', 'ty', 'bre', 'sko'];
  const wordOf = (rng: Rng, first = 0) => () => Array.from({ length: 2 + rng.below(3) }, () => syl[first + rng.below(12)]).join('');
  const preamble = 'you are a careful assistant that answers questions about a company handbook. read the question, find the relevant policy and answer in plain language; if the handbook does not cover it, say so and suggest whom to ask. never invent policies, numbers or names, and end with the section you relied on: ';
  const missedPair = (seed: number): string[] => {
    const rng = new Rng(seed), word = wordOf(rng);
    const a = Array.from({ length: 24 }, word).join(' ');
    return [a, a.split(' ').map((w, j, all) => (j >= all.length - 12 && rng.below(12) < 2 ? word() : w)).join(' ')];
  };
  const missed = missedPair(547157);
  {
    const [a, b] = missed as [string, string];
    assert.ok(jaccard(shingleSet(a), shingleSet(b)) >= 0.8);
    const idx = new NearDupIndex(0.8, 'auto', undefined, 'never');
    assert.equal(idx.check([a], 0, () => [a]), null);
    assert.equal(idx.check([b], 1, () => [a]), null, 'the bands miss it');
    // before: this was said of the ShingleBound, which this input never asks for that record: dropping the bands'
    // restriction from the candidates that the ShingleBound or PrefixFilter give (banded) failed no test
    const viaPrefixes = new NearDupIndex(0.8, 'auto', undefined, 'never', undefined, 'always');
    assert.equal(viaPrefixes.check([a], 0, () => [a]), null);
    assert.equal(viaPrefixes.check([b], 1, () => [a]), null, 'the PrefixFilter finds it, the bands do not: no match');
  }
  const rng = new Rng(17), word = wordOf(rng, 12); // other syllables than the missed pair's
  const tail = (n: number) => Array.from({ length: n }, word).join(' ');
  const template = 'below is an instruction that describes a task. write a response that completes the request. instruction: ';
  const edit = (p: string, n: number) => {
    let t = p;
    for (let e = 0; e < n; e++) {
      const at = rng.below(t.length + 1);
      t = t.slice(0, at) + (rng.below(2) ? syl[rng.below(syl.length)] : '') + t.slice(at + rng.below(3));
    }
    return t;
  };
  const records: string[][] = [];
  for (let i = 0; i < 700; i++) {
    const k = rng.below(20);
    const recent = () => records[records.length - 1 - rng.below(Math.min(records.length, 50))]!;
    if (i === 320 || i === 380) records.push([missed[i === 320 ? 0 : 1]!]);
    else if (k < 2 && records.length) records.push([...records[rng.below(records.length)]!]);
    else if (k < 4 && records.length) {
      const n = [1, 3, 8, 20, 40][rng.below(5)]!;
      records.push(recent().map((p) => edit(p, n)));
    } else if (k < 8 && records.length) {
      const n = rng.below(6);
      records.push(recent().map((p) => p.split(' ').map((w, j, all) => (j >= all.length - 12 && rng.below(12) < n ? word() : w)).join(' ')));
    } else if (k < 9) records.push([['', 'a', 'abcd', 'abcde', 'ka lo'][rng.below(5)]!]);
    else if (k < 11) records.push([template + tail(3 + rng.below(6)), tail(1 + rng.below(8))]);
    else if (k < 12) records.push([tail(5 + rng.below(30))]);
    else records.push([preamble + tail(8 + rng.below(10))]);
  }
  const run = (t: number, bound: 'never' | 'auto' | 'always', hashBudget?: number, boundBudget?: number) =>
    nearMatchLines(new NearDupIndex(t, 'auto', hashBudget, bound, boundBudget), records, (r) => r % 7 === 3);
  for (const t of [0.5, 0.8, 0.95]) {
    const reference = run(t, 'never');
    const dropped = reference.filter((m) => !m.endsWith('-')).length;
    assert.ok(dropped > 100, `threshold ${t}: ${dropped} dropped`);
    assert.deepEqual(run(t, 'auto'), reference, `threshold ${t}: a ShingleBound when the bounds cost too much`);
    assert.deepEqual(run(t, 'always'), reference, `threshold ${t}: a ShingleBound from the start`);
    // hashes of 50 records kept (the others read back when the ShingleBound starts), and room for 200 records in it
    assert.deepEqual(run(t, 'auto', 50 * 300, 200 * 40), reference, `threshold ${t}: small budgets`);
  }
});
