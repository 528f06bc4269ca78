# Phase 0 of scripts/hf-check/tokenizer-probe.ts's variants: tokenizer.json variants that exercise what the fast engine
# does not run (so @huggingface/tokenizers, the fallback, runs them) and what it does, each a folder with a
# tokenizer_config.json of class PreTrainedTokenizerFast (AutoTokenizer takes tokenizer.json as it is). Edits of
# models/mistral-tune-tiny's tokenizer.json (Metaspace split/prepend_scheme, Sequence, Split behaviours, normalizers,
# BPE options, added token flags, post-processors, decoders) and small tokenizers trained here with HF tokenizers
# (WordPiece, Unigram, WordLevel, BPE with a subword prefix and word suffix, byte-level BPE). Not part of the product:
# a check for machines with transformers (checked with 5.17.0, tokenizers 0.23.2). From the project root:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_variants.py OUT_DIR      # OUT_DIR/variants/NAME/
#   node --import tsx scripts/hf-check/tokenizer-probe.ts write OUT_DIR [SEED] --variants   # then as the probe says
import copy, glob, json, os, sys
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, processors, trainers

out = os.path.join(sys.argv[1], 'variants')
base = json.load(open('models/mistral-tune-tiny/tokenizer.json'))
tekken = json.load(open('test/fixtures/tekken-tiny/tokenizer.json'))
CONFIG = {'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>',
          'clean_up_tokenization_spaces': False}
LEGACY_NORM = base['normalizer']
MS_DEC = base['decoder']


def write(name, tj, config=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    json.dump(tj, open(os.path.join(d, 'tokenizer.json'), 'w'), ensure_ascii=False)
    json.dump({**CONFIG, **(config or {})}, open(os.path.join(d, 'tokenizer_config.json'), 'w'), ensure_ascii=False)


def mistral(**parts):
    tj = copy.deepcopy(base)
    model = parts.pop('model', None)
    if model:
        tj['model'].update(model)
    added = parts.pop('added', None)
    if added:
        for i, t in enumerate(added):
            tj['added_tokens'].append({'id': 32000 + i, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': False, **t})
    tj.update(parts)
    return tj


def metaspace(split, scheme):
    return {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': scheme, 'split': split}


# Metaspace: split and prepend_scheme, alone (the fast engine), after NFKC or in a Sequence (the fallback)
for split in (True, False):
    for scheme in ('first', 'always', 'never'):
        tag = f'{"split" if split else "nosplit"}-{scheme}'
        write(f'ms-{tag}', mistral(normalizer=None, pre_tokenizer=metaspace(split, scheme)))
        write(f'ms-{tag}-nfkc', mistral(normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(split, scheme)))
        write(f'ms-{tag}-seq', mistral(normalizer=None, pre_tokenizer={'type': 'Sequence', 'pretokenizers': [metaspace(split, scheme)]}))
    write(f'ms-{"split" if split else "nosplit"}-ignore-merges', mistral(normalizer=None, pre_tokenizer=metaspace(split, 'first'), model={'ignore_merges': True}))
# the Metaspace decoder (prepend_scheme never keeps the first token's space)
for scheme in ('first', 'never'):
    write(f'ms-decoder-{scheme}', mistral(normalizer=None, pre_tokenizer=metaspace(True, scheme),
                                          decoder={'type': 'Sequence', 'decoders': [{'type': 'ByteFallback'}, metaspace(True, scheme)]}))
    write(f'ms-decoder-{scheme}-nfkc', mistral(normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(False, scheme),
                                               decoder={'type': 'Sequence', 'decoders': [{'type': 'ByteFallback'}, {'type': 'Fuse'}, metaspace(False, scheme)]}))
# normalizers before the legacy Prepend/Replace
for name, n in [('nfkc', {'type': 'NFKC'}), ('nfd', {'type': 'NFD'}), ('lower', {'type': 'Lowercase'}),
                ('strip', {'type': 'Strip', 'strip_left': True, 'strip_right': True}),
                ('accents', {'type': 'Sequence', 'normalizers': [{'type': 'NFD'}, {'type': 'StripAccents'}]}),
                ('replace-regex', {'type': 'Replace', 'pattern': {'Regex': '\\s+'}, 'content': ' '}),
                ('replace-empty', {'type': 'Replace', 'pattern': {'String': 'x'}, 'content': ''}),
                ('bert', {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': False}),
                ('nmt', {'type': 'Nmt'})]:
    write(f'norm-{name}', mistral(normalizer={'type': 'Sequence', 'normalizers': [n, *LEGACY_NORM['normalizers']]}))
# added tokens with their flags, normalized ones after an NFKC normalizer (the fallback)
FLAGGED = [{'content': '[INST]', 'normalized': True}, {'content': 'zqx', 'normalized': True, 'single_word': True},
           {'content': '<think>', 'lstrip': True, 'rstrip': True}, {'content': '<|im_end|>', 'special': True, 'lstrip': True},
           {'content': 'ﬁx', 'normalized': True, 'rstrip': True}, {'content': ' zqx ', 'normalized': True}, {'content': '▁', 'normalized': False}]
write('added-nfkc', mistral(normalizer={'type': 'Sequence', 'normalizers': [{'type': 'NFKC'}, *LEGACY_NORM['normalizers']]}, added=FLAGGED))
write('added-ms-nosplit', mistral(normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(False, 'first'), added=FLAGGED))
write('added-ms-split', mistral(normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(True, 'always'), added=FLAGGED))
# pre-tokenizers after the legacy normalizer
for behavior in ('Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'):
    write(f'split-digits-{behavior}', mistral(pre_tokenizer={'type': 'Split', 'pattern': {'Regex': '\\p{N}'}, 'behavior': behavior, 'invert': False}))
    write(f'split-space-{behavior}', mistral(pre_tokenizer={'type': 'Split', 'pattern': {'String': '\u2581'}, 'behavior': behavior, 'invert': False}))
write('split-invert', mistral(pre_tokenizer={'type': 'Split', 'pattern': {'Regex': '[a-z]+'}, 'behavior': 'Isolated', 'invert': True}))
for name, p in [('digits', {'type': 'Digits', 'individual_digits': True}), ('digits-runs', {'type': 'Digits', 'individual_digits': False}),
                ('punct', {'type': 'Punctuation', 'behavior': 'Isolated'}), ('scripts', {'type': 'UnicodeScripts'}),
                ('chardelim', {'type': 'CharDelimiterSplit', 'delimiter': '\u2581'}),
                ('seq-digits-punct', {'type': 'Sequence', 'pretokenizers': [{'type': 'Digits', 'individual_digits': True}, {'type': 'Punctuation', 'behavior': 'Contiguous'}]})]:
    write(f'pre-{name}', mistral(pre_tokenizer=p))
write('pre-whitespace', mistral(normalizer=None, pre_tokenizer={'type': 'Whitespace'}))
write('pre-wssplit-ms', mistral(normalizer=None, pre_tokenizer={'type': 'Sequence', 'pretokenizers': [{'type': 'WhitespaceSplit'}, metaspace(True, 'always')]}))
# BPE options
write('bpe-nobytes', mistral(model={'byte_fallback': False}))
write('bpe-nofuse-nobytes', mistral(model={'byte_fallback': False, 'fuse_unk': False}))
write('bpe-ignore-merges', mistral(model={'ignore_merges': True}))
write('bpe-prefix', mistral(model={'continuing_subword_prefix': '\u2581'}))
write('bpe-dropout0', mistral(model={'dropout': 0.0}))
# post-processors
special = lambda t, i: {'id': t, 'ids': [i], 'tokens': [t]}
write('post-bos-eos', mistral(post_processor={'type': 'TemplateProcessing', 'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                                              'pair': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                                              'special_tokens': {'<s>': special('<s>', 1), '</s>': special('</s>', 2)}}, normalizer={'type': 'Sequence', 'normalizers': [{'type': 'NFKC'}, *LEGACY_NORM['normalizers']]}))
write('post-roberta', mistral(post_processor={'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 1], 'trim_offsets': True, 'add_prefix_space': False}, normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(True, 'first')))
write('post-bert', mistral(post_processor={'type': 'BertProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 1]}, normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(False, 'first')))
write('post-none', mistral(post_processor=None, normalizer={'type': 'NFKC'}, pre_tokenizer=metaspace(False, 'first')))
# Tekken (byte-level) variants
tk = lambda **parts: {**copy.deepcopy(tekken), **parts}
split0 = tekken['pre_tokenizer']['pretokenizers'][0]
write('tekken-prefix', tk(pre_tokenizer={'type': 'Sequence', 'pretokenizers': [split0, {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': False}]}))
write('tekken-bl-regex', tk(pre_tokenizer={'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}))
write('tekken-post-bl', tk(post_processor={'type': 'Sequence', 'processors': [{'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True}, tekken['post_processor']]}))
write('tekken-merges', tk(model={**tekken['model'], 'ignore_merges': False}))

# small tokenizers trained here
corpus = []
for f in sorted(glob.glob('docs/*.md'))[:6] + ['README.md']:
    corpus += [line for line in open(f, encoding='utf8').read().split('\n') if line.strip()]
corpus += ['héllo wörld ünïcödé 日本語 한국어 مرحبا 🙂 ﬁx Ⅻ x² 3.14 1,000,000'] * 5
SPECIALS = ['<unk>', '<s>', '</s>', '[INST]', '[/INST]']


def trained(name, model, trainer, normalizer, pre, decoder, post=None, config=None):
    t = Tokenizer(model)
    t.normalizer = normalizer
    t.pre_tokenizer = pre
    t.decoder = decoder
    t.train_from_iterator(corpus, trainer)
    if post is not None:
        t.post_processor = post
    write(name, json.loads(t.to_str()), config)


bert_post = processors.BertProcessing(('</s>', 2), ('<s>', 1))
trained('wp-bert', models.WordPiece(unk_token='<unk>'), trainers.WordPieceTrainer(vocab_size=800, special_tokens=SPECIALS),
        normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer(), decoders.WordPiece(), bert_post)
trained('wp-bert-cleanup', models.WordPiece(unk_token='<unk>'), trainers.WordPieceTrainer(vocab_size=800, special_tokens=SPECIALS),
        normalizers.BertNormalizer(lowercase=False), pre_tokenizers.BertPreTokenizer(), decoders.WordPiece(cleanup=True), bert_post,
        {'clean_up_tokenization_spaces': True})
for split in (True, False):
    tag = 'split' if split else 'nosplit'
    trained(f'uni-ms-{tag}', models.Unigram(), trainers.UnigramTrainer(vocab_size=800, special_tokens=SPECIALS, unk_token='<unk>'),
            normalizers.NFKC(), pre_tokenizers.Metaspace(prepend_scheme='always', split=split), decoders.Metaspace(prepend_scheme='always', split=split))
trained('uni-bytes', models.Unigram(byte_fallback=True), trainers.UnigramTrainer(vocab_size=800, special_tokens=SPECIALS, unk_token='<unk>'),
        None, pre_tokenizers.Metaspace(prepend_scheme='first', split=False),
        decoders.Sequence([decoders.Replace('\u2581', ' '), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(' ', 1, 0)]))
trained('wordlevel', models.WordLevel(unk_token='<unk>'), trainers.WordLevelTrainer(vocab_size=600, special_tokens=SPECIALS),
        normalizers.Lowercase(), pre_tokenizers.Whitespace(), None)
trained('bpe-suffix', models.BPE(unk_token='<unk>', continuing_subword_prefix='##', end_of_word_suffix='</w>'),
        trainers.BpeTrainer(vocab_size=800, special_tokens=SPECIALS, continuing_subword_prefix='##', end_of_word_suffix='</w>'),
        normalizers.NFC(), pre_tokenizers.Whitespace(), decoders.BPEDecoder(suffix='</w>'))
trained('bpe-bytelevel', models.BPE(), trainers.BpeTrainer(vocab_size=800, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
        None, pre_tokenizers.ByteLevel(add_prefix_space=True), decoders.ByteLevel(), processors.ByteLevel(trim_offsets=True))
trained('bpe-ctc', models.BPE(unk_token='<unk>'), trainers.BpeTrainer(vocab_size=600, special_tokens=SPECIALS + ['<pad>']),
        normalizers.Strip(), pre_tokenizers.Split(' ', 'isolated'), decoders.CTC(pad_token='<pad>', word_delimiter_token=' ', cleanup=True))
print(f'wrote {len(os.listdir(out))} folders in {out}')
