# More variants for scripts/hf-check/tokenizer-probe.ts --variants: 73 small tokenizers trained here with HF tokenizers
# on this project's README and first docs (plus a line of scripts, emoji, numerals and odd spaces), each a folder
# OUT_DIR/variants/NAME (tokenizer.json, tokenizer_config.json of class PreTrainedTokenizerFast) beside those of
# tokenizer_variants.py, with added tokens of every flag (single_word, lstrip/rstrip, normalized or not, special):
#   t-ms-SCHEME-SPLIT-NORM   byte-fallback BPE, Metaspace first/always/never, split or not, no normalizer, NFKC,
#                            NFC+Replace+Lowercase, Strip+NFKC
#   t-legacy*, u-replace-regex   Llama's Prepend/Replace normalizer, Replace/ByteFallback/Fuse/Strip decoder
#   t-bl-*, u-bl-*           byte-level BPE (add_prefix_space, use_regex; Split regex, Digits before it)
#   t-split-*, u-split-*     Split behaviours with and without invert, string and class patterns; Digits, Punctuation, Whitespace
#   t-uni-*, u-uni-*         Unigram, Metaspace each scheme (u-uni-bytes-*: byte_fallback on, as the trainer drops it;
#                            u-uni-digits: unknown runs next to a Digits split)
#   t-wordpiece              (refused by ours), t-dec-strip (HF's Strip decoder panics on some decodes: 'HF raised')
#   u-*                      fuse_unk off, NFKC+Lowercase, NFD+StripAccents, Prepend only, '_' as replacement, post-processor Sequence
# Not part of the product: a check for machines with transformers (checked with 5.17.0, tokenizers 0.23.2). From the
# project root:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_trained_variants.py OUT_DIR
#   node --import tsx scripts/hf-check/tokenizer-probe.ts write OUT_DIR [SEED] --variants   # then as the probe says
import glob, itertools, json, os, sys
from tokenizers import AddedToken, Regex, Tokenizer, decoders as D, models, normalizers as N, pre_tokenizers as P, processors, trainers

out = os.path.join(sys.argv[1], 'variants')
os.makedirs(out, exist_ok=True)
corpus = []
for f in sorted(glob.glob('docs/*.md'))[:4] + ['README.md']:
    corpus += [line for line in open(f, encoding='utf8').read().split('\n') if line.strip()][:200]
corpus += ['héllo wörld ünïcödé 日本語 한국어 مرحبا עברית 🙂 👨‍👩‍👧 ﬁx Ⅻ x² 3.14 1,000,000 e\u0301 \t tab  two  spaces\r\nCRLF'] * 5
CONFIG = {'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>', 'clean_up_tokenization_spaces': False}
SPECIALS = ['<unk>', '<s>', '</s>']
BYTES = [f'<0x{i:02X}>' for i in range(256)]
ADDED = [AddedToken('[INST]', special=True, normalized=False), AddedToken('[/INST]', special=True, normalized=False),
         AddedToken('<sw>', single_word=True, special=False, normalized=False), AddedToken('zqx', single_word=True, normalized=True),
         AddedToken('<ls>', lstrip=True, special=True, normalized=False), AddedToken('<rs>', rstrip=True, special=False, normalized=False),
         AddedToken('ﬁx', normalized=True), AddedToken('ab', normalized=False), AddedToken('abc', normalized=True),
         AddedToken(' sp ', normalized=False), AddedToken('Ⅻ', normalized=True, special=True), AddedToken('the', normalized=True, single_word=True, lstrip=True, rstrip=True)]
count = 0


def write(name, t, config=None, added=True):
    """Saves `t` (with the ADDED tokens unless added=False) as OUT_DIR/variants/NAME."""
    global count
    if added:
        t.add_tokens([a for a in ADDED if not a.special])
        t.add_special_tokens([a for a in ADDED if a.special])
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    t.save(os.path.join(d, 'tokenizer.json'))
    json.dump({**CONFIG, **(config or {})}, open(os.path.join(d, 'tokenizer_config.json'), 'w'), ensure_ascii=False)
    count += 1


def with_model_keys(t, **keys):
    """`t` with tokenizer.json's model keys set (those a trainer drops or the Python API does not take)."""
    tj = json.loads(t.to_str())
    tj['model'].update(keys)
    return Tokenizer.from_str(json.dumps(tj))


def bpe(norm, pre, dec, byte_fallback=True, alphabet=None, vocab=700, post=None, unk='<unk>'):
    t = Tokenizer(models.BPE(unk_token=unk, byte_fallback=byte_fallback, fuse_unk=byte_fallback))
    t.normalizer = norm
    t.pre_tokenizer = pre
    t.decoder = dec
    t.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIALS + (BYTES if byte_fallback else []), initial_alphabet=alphabet or []))
    if post is not None:
        t.post_processor = post
    return t


def unigram(norm, pre, dec, vocab=500, byte_fallback=False):
    t = Tokenizer(models.Unigram())
    t.normalizer = norm
    t.pre_tokenizer = pre
    t.decoder = dec
    t.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=vocab, special_tokens=SPECIALS + (BYTES if byte_fallback else []), unk_token='<unk>'))
    return with_model_keys(t, byte_fallback=True) if byte_fallback else t


bos_eos = processors.TemplateProcessing(single='<s> $A </s>', pair='<s> $A </s> $B:1 </s>:1', special_tokens=[('<s>', 1), ('</s>', 2)])
bos = processors.TemplateProcessing(single='<s> $A', pair='<s> $A $B:1', special_tokens=[('<s>', 1)])
msdec = lambda scheme, split: D.Sequence([D.ByteFallback(), D.Metaspace(prepend_scheme=scheme, split=split)])
# Metaspace BPE with byte fallback: each scheme/split, normalizers
for scheme, split in itertools.product(('first', 'always', 'never'), (True, False)):
    for nname, norm in [('none', None), ('nfkc', N.NFKC()), ('seq', N.Sequence([N.NFC(), N.Replace('\t', '    '), N.Lowercase()])), ('strip', N.Sequence([N.Strip(), N.NFKC()]))]:
        write(f't-ms-{scheme}-{"s" if split else "n"}-{nname}', bpe(norm, P.Metaspace(prepend_scheme=scheme, split=split), msdec(scheme, split), post=bos))
# Llama's legacy: Prepend+Replace normalizer, no pre-tokenizer, Replace/ByteFallback/Fuse/Strip decoder
legacy_dec = D.Sequence([D.Replace('\u2581', ' '), D.ByteFallback(), D.Fuse(), D.Strip(' ', 1, 0)])
write('t-legacy', bpe(N.Sequence([N.Prepend('\u2581'), N.Replace(' ', '\u2581')]), None, legacy_dec, post=bos_eos))
write('t-legacy-nfkc', bpe(N.Sequence([N.NFKC(), N.Prepend('\u2581'), N.Replace(' ', '\u2581')]), None, legacy_dec, post=bos))
write('u-replace-regex', bpe(N.Sequence([N.Replace(Regex(r'\s+'), ' '), N.Prepend('\u2581'), N.Replace(' ', '\u2581')]), None,
                             D.Sequence([D.Replace('\u2581', ' '), D.ByteFallback(), D.Fuse(), D.Strip(' ', 1, 0)])))
# byte-level BPE
byte_level = dict(byte_fallback=False, alphabet=P.ByteLevel.alphabet(), unk=None)
for aps, ure in itertools.product((True, False), (True, False)):
    write(f't-bl-{int(aps)}{int(ure)}', bpe(None, P.ByteLevel(add_prefix_space=aps, use_regex=ure), D.ByteLevel(), post=processors.ByteLevel(trim_offsets=True), **byte_level))
write('t-bl-nfc-seq', bpe(N.NFC(), P.Sequence([P.Split(Regex(r"\p{N}{1,3}| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"), 'isolated'), P.ByteLevel(add_prefix_space=False, use_regex=False)]),
                          D.ByteLevel(), **byte_level))
write('u-bl-digits', bpe(None, P.Sequence([P.Digits(individual_digits=True), P.ByteLevel(add_prefix_space=False, use_regex=True)]), D.ByteLevel(), **byte_level))
write('u-bl-split-digits', bpe(N.NFKC(), P.Sequence([P.Split(Regex(r"(?i:'s|'t)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"), 'isolated'),
                                                   P.Digits(individual_digits=False), P.ByteLevel(add_prefix_space=False, use_regex=False)]), D.ByteLevel(), **byte_level))
# Split behaviours with invert, Digits, Punctuation, Whitespace
for beh, inv in itertools.product(('removed', 'isolated', 'merged_with_previous', 'merged_with_next', 'contiguous'), (False, True)):
    write(f't-split-{beh}-{int(inv)}', bpe(None, P.Sequence([P.Split(Regex(r'\s+|\d'), beh, invert=inv), P.Metaspace(prepend_scheme='always', split=False)]), msdec('always', False)))
write('t-digits', bpe(None, P.Sequence([P.Digits(individual_digits=True), P.Metaspace(prepend_scheme='always')]), msdec('always', True)))
write('t-digits-runs', bpe(N.NFKC(), P.Sequence([P.Digits(individual_digits=False), P.Metaspace(prepend_scheme='always')]), msdec('always', True)))
write('t-punct', bpe(None, P.Sequence([P.Punctuation(), P.Metaspace(prepend_scheme='always')]), msdec('always', True)))
write('t-whitespace', bpe(None, P.Whitespace(), D.Fuse(), byte_fallback=False))
write('t-split-str', bpe(None, P.Sequence([P.Split('-', 'merged_with_next'), P.Metaspace(prepend_scheme='first')]), msdec('first', True)))
write('u-split-str-removed', bpe(None, P.Sequence([P.Split(' ', 'removed'), P.Metaspace(prepend_scheme='always')]), msdec('always', True)))
write('u-split-unicode-class', bpe(None, P.Sequence([P.Split(Regex(r'[\p{P}\p{S}]'), 'isolated', invert=False), P.Metaspace(prepend_scheme='never', split=False)]), msdec('never', False)))
write('u-split-invert-contig', bpe(None, P.Sequence([P.Split(Regex(r'\p{L}+'), 'contiguous', invert=True), P.Metaspace(prepend_scheme='always', split=False)]), msdec('always', False)))
# Unigram
for scheme in ('first', 'always', 'never'):
    write(f't-uni-{scheme}', unigram(N.NFKC(), P.Metaspace(prepend_scheme=scheme), msdec(scheme, True), vocab=700))
    write(f'u-uni-unk-{scheme}', unigram(None, P.Metaspace(prepend_scheme=scheme, split=False), D.Metaspace(prepend_scheme=scheme, split=False)))
    write(f'u-uni-bytes-{scheme}', unigram(None, P.Metaspace(prepend_scheme=scheme), msdec(scheme, True), vocab=700, byte_fallback=True))
write('u-uni-digits', unigram(None, P.Sequence([P.Metaspace(prepend_scheme='always'), P.Digits(individual_digits=True)]), D.Metaspace(prepend_scheme='always')))
# WordPiece (refused by ours)
t = Tokenizer(models.WordPiece(unk_token='<unk>'))
t.normalizer = N.BertNormalizer()
t.pre_tokenizer = P.BertPreTokenizer()
t.decoder = D.WordPiece()
t.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=600, special_tokens=SPECIALS))
write('t-wordpiece', t)
# decoders, fuse_unk, normalizers, post-processors
write('t-dec-strip', bpe(None, P.Metaspace(prepend_scheme='always'), D.Sequence([D.ByteFallback(), D.Fuse(), D.Replace('\u2581', ' '), D.Strip(' ', 2, 1)])))
write('u-dec-replace-strip', bpe(None, P.Metaspace(prepend_scheme='always'), D.Sequence([D.ByteFallback(), D.Fuse(), D.Replace('\u2581', ' '), D.Strip(' ', 1, 0), D.Replace('  ', ' ')])))
write('t-noadded', bpe(N.NFKC(), P.Metaspace(prepend_scheme='first'), msdec('first', True), post=bos_eos), added=False)
write('u-bpe-unk-fuse', bpe(None, P.Metaspace(prepend_scheme='always'), D.Metaspace(prepend_scheme='always'), byte_fallback=False))
write('u-bpe-unk-nofuse', with_model_keys(bpe(None, P.Metaspace(prepend_scheme='first'), D.Metaspace(prepend_scheme='first'), byte_fallback=False), fuse_unk=False))
write('u-lower-nfkc', bpe(N.Sequence([N.NFKC(), N.Lowercase()]), P.Metaspace(prepend_scheme='first', split=False), msdec('first', False)))
write('u-nfd-accents', bpe(N.Sequence([N.NFD(), N.StripAccents()]), P.Metaspace(prepend_scheme='always'), msdec('always', True)))
write('u-prepend-only', bpe(N.Prepend('\u2581'), P.Metaspace(prepend_scheme='never', split=True), msdec('never', True)))
write('u-ms-underscore', bpe(None, P.Metaspace(replacement='_', prepend_scheme='always', split=True), D.Sequence([D.ByteFallback(), D.Metaspace(replacement='_', prepend_scheme='always')])))
write('u-post-seq', bpe(None, P.Metaspace(prepend_scheme='first'), msdec('first', True),
                        post=processors.Sequence([processors.ByteLevel(trim_offsets=True), processors.TemplateProcessing(single='<s> $A </s>', special_tokens=[('<s>', 1), ('</s>', 2)])])))
print('wrote', count, 'tokenizers into', out)
