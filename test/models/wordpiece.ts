/**
 * A BERT WordPiece tokenizer assembled from scratch (no copied vocabulary): special tokens, single
 * characters and their continuations, words common in code and prose, common suffixes, then letter
 * pairs and triples by how common their letters are, until the vocabulary has the size asked for.
 * Code tokenizes with it about as densely as with BERT's own vocabulary: known words stay whole
 * and unknown identifiers split into pieces of two or three letters.
 */

export const SPECIAL_TOKENS = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;

const CONTINUATION = '##';

/** Keywords of the languages Quarry indexes, and words that identifiers and comments are made of. */
const WORDS = `
abstract and any as assert async await bool boolean break byte case catch char class const continue def default
defer del delete do double elif else enum except export extends false final finally float fn for from func function
go goto if impl implements import in instanceof int interface is lambda let long loop match mod module mut namespace
new nil none not null object of or package pass private protected pub public raise return self short static str
string struct super switch this throw throws trait true try type typeof union unsafe use var void where while with
yield
add address all alloc append apply arg args array attr attribute auth backoff base batch begin block body buffer
build builder bytes cache call callback cancel check child children chunk clear client clone close code collect
column command commit compare compile component config connect connection console content context convert copy
count create current cursor data date debug decode delay depth diff dir directory dispatch document done edit
element emit empty encode end entry env equal error errors event events exec exists expect expression factory fail
field file files filter find first flag flush format frame get handle handler hash head header headers height help
host http id index info init input insert instance item items iterator join json key keys kind label last layer
layout left len length level line lines link list listen listener load local lock log logger lookup main make
manager map mark max message meta method min mock mode model modify name next node nodes number offset open option
options order output owner page param params parent parse parser part patch path peer pending plugin point pointer
pool port position post prev print process program promise props query queue range read reader record reduce ref
register remove render replace request require reset resolve resource response result results retry right root
route row rule run runner scan schema scope search select send server service session set setting settings setup
shape size slice sort source span spec split stack start state status step stop storage store stream style sum
sync table tag target task template test text thread time timeout timer token tokens total trace transform tree
update url user util utils validate value values version view visit wait walk watch width window worker write
writer
the a an to be it that for on are was at by this from have has but not they their which when what where how can
will would should could may must use used using more most some such only also than then there these those each
other into over after before because while about between through during without within
`;

const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'ers', 'or', 'ors', 'ion', 'tion', 'ions', 'ment', 'able', 'ize', 'ly', 'al', 'ive', 'ness', 'ity', 'ure', 'ies', 'ent', 'ant', 'ic', 'ise'];

/** English letters from most to least common: pairs and triples of common letters come first. */
const LETTERS_BY_FREQUENCY = 'etaoinshrdlcumwfgypbvkjxqz';

/**
 * The vocabulary, in id order: [PAD] [UNK] [CLS] [SEP] [MASK] first, then pieces until there are
 * `size` (at least every printable ASCII character, so nothing ASCII becomes [UNK]).
 */
export function assembleVocabulary(size: number): string[] {
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  const add = (piece: string): void => {
    if (vocabulary.length < size && !seen.has(piece)) {
      seen.add(piece);
      vocabulary.push(piece);
    }
  };
  Object.values(SPECIAL_TOKENS).forEach(add);
  const printable = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => c < 'A' || c > 'Z');
  printable.forEach(add);
  printable.filter((c) => /[a-z0-9]/.test(c)).forEach((c) => add(CONTINUATION + c));
  if (vocabulary.length < printable.length + 5) throw new Error(`a vocabulary of ${size} cannot hold every printable character`);
  WORDS.split(/\s+/).filter(Boolean).forEach(add);
  SUFFIXES.forEach((suffix) => add(CONTINUATION + suffix));
  const letters = [...LETTERS_BY_FREQUENCY];
  // Pairs, then triples, each as a word start and as a continuation, commonest letters first.
  const pairs = letters.flatMap((x, i) => letters.map((y, j) => ({ piece: x + y, rank: i + j })));
  const triples = pairs.flatMap((p) => letters.map((z, k) => ({ piece: p.piece + z, rank: p.rank + k })));
  for (const group of [pairs, triples]) {
    for (const { piece } of group.sort((p, q) => p.rank - q.rank || (p.piece < q.piece ? -1 : 1))) {
      add(piece);
      add(CONTINUATION + piece);
    }
  }
  return vocabulary;
}

/** tokenizer.json in the Hugging Face tokenizers format that transformers.js reads. */
export function tokenizerJson(vocabulary: string[]): object {
  const id = (token: string): number => vocabulary.indexOf(token);
  const special = Object.values(SPECIAL_TOKENS).map((content) => ({
    id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const specialToken = (token: string) => ({ id: token, ids: [id(token)], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: SPECIAL_TOKENS.cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: SPECIAL_TOKENS.sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: SPECIAL_TOKENS.cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: SPECIAL_TOKENS.sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: SPECIAL_TOKENS.sep, type_id: 1 } },
      ],
      special_tokens: { [SPECIAL_TOKENS.cls]: specialToken(SPECIAL_TOKENS.cls), [SPECIAL_TOKENS.sep]: specialToken(SPECIAL_TOKENS.sep) },
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS.unk,
      continuing_subword_prefix: CONTINUATION,
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, i) => [token, i])),
    },
  };
}

/** tokenizer_config.json: which tokenizer class and special tokens, and the longest input. */
export function tokenizerConfig(maxLength: number): object {
  return {
    clean_up_tokenization_spaces: true,
    cls_token: SPECIAL_TOKENS.cls,
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: SPECIAL_TOKENS.mask,
    model_max_length: maxLength,
    never_split: null,
    pad_token: SPECIAL_TOKENS.pad,
    sep_token: SPECIAL_TOKENS.sep,
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: SPECIAL_TOKENS.unk,
  };
}

/** special_tokens_map.json, as the hub's BERT packs carry it. */
export function specialTokensMap(): object {
  const { pad, unk, cls, sep, mask } = SPECIAL_TOKENS;
  return { cls_token: cls, mask_token: mask, pad_token: pad, sep_token: sep, unk_token: unk };
}
