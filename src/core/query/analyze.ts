/**
 * What the words of a query are: the ones that carry it (stop words dropped), which of those look
 * like code (camelCase, snake_case, dotted, with digits or `$`) and which are prose, and whether
 * the query as a whole describes behaviour in plain words rather than naming something.
 */
export interface WordAnalysis {
  /** The words that take part in matching and highlighting, in query order. */
  content: string[];
  /** A plain-language question: several content words, none shaped like an identifier. */
  descriptive: boolean;
  /** Per content word, the other forms it also matches: its own (`wordVariants`) and those of the two-word terms it is part of. */
  variants: string[][];
}

/**
 * English function words and the question words of a search box. Words that are also common
 * names in code (`get`, `set`, `new`, `only`, `before`, `no`, `all`) are deliberately left out.
 */
const STOP_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'nor', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'from', 'with', 'into', 'onto', 'upon',
  'as', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'am', 'do', 'does', 'did', 'done', 'doing', 'has', 'have', 'had',
  'how', 'what', 'where', 'which', 'who', 'whom', 'whose', 'why', 'when', 'whether', 'that', 'this', 'these', 'those',
  'it', 'its', 'it\'s', 'there', 'their', 'they', 'them', 'we', 'our', 'us', 'you', 'your', 'i', 'me', 'my', 'he', 'she', 'his', 'her',
  'can', 'could', 'should', 'would', 'will', 'shall', 'may', 'might', 'must', 'so', 'such', 'than', 'too', 'very', 'just',
  'about', 'also', 'any', 'some', 'if', 'then', 'thing', 'things', 'way', 'ways', 'code', 'happen', 'happens', 'gets', 'got',
]);

/** A descriptive query has at least this many content words. */
const DESCRIPTIVE_WORDS = 3;

function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word.toLowerCase());
}

/** What separates the parts of a qualified name: `a.b`, `a::b`, `A#b`, `a->b`. */
const QUALIFIER_SEPARATOR = /\.|::|#|->/;

/** The parts of a qualified name (`Scope.getOwnBinding` → `Scope`, `getOwnBinding`); a plain word is one part. */
export function nameParts(word: string): string[] {
  const parts = word.split(QUALIFIER_SEPARATOR).filter((part) => part.length > 0);
  return parts.length > 0 ? parts : [word];
}

/** camelCase or PascalCase with an inner capital, snake_case, a qualified name, `$`, or letters with digits. */
export function looksLikeIdentifier(word: string): boolean {
  return /\p{Ll}\p{Lu}|\p{Lu}{2,}\p{Ll}|[_$]|\p{L}(?:\.|::|#|->)\p{L}|\p{L}\d|\d\p{L}/u.test(word);
}

/** A word without the punctuation that sentences put around it (`migrateRecords,`, `(see`, `` `fn` ``). */
function trimmed(word: string): string {
  return word.replace(/^[(\[{<"'`]+/, '').replace(/[)\]}>"'`,.;:!?]+$/, '');
}

export function analyzeWords(typed: readonly string[]): WordAnalysis {
  const words = typed.map(trimmed).filter((w) => w !== '');
  const kept = words.filter((w) => !isStopWord(w));
  // A query of stop words alone (`this`, `is`) means them.
  const content = kept.length > 0 ? kept : words.length > 0 ? words : [...typed];
  const variants = content.map(wordVariants);
  // Two adjacent words that code writes as one short name: each word also matches the name, so a chunk holding it covers both.
  for (let i = 0; i + 1 < content.length; i++) {
    const named = COMPOUNDS.get(`${baseForm(content[i]!, variants[i]!)} ${baseForm(content[i + 1]!, variants[i + 1]!)}`);
    if (named) for (const at of [i, i + 1]) variants[at] = [...new Set([...variants[at]!, ...named])];
  }
  return { content, descriptive: content.length >= DESCRIPTIVE_WORDS && !content.some(looksLikeIdentifier), variants };
}

/** A word in the singular, as the compounds table spells it: `expressions` → `expression`. */
function baseForm(word: string, variants: readonly string[]): string {
  const w = word.toLowerCase();
  return w.endsWith('s') && variants.includes(w.slice(0, -1)) ? w.slice(0, -1) : w;
}

/**
 * Two-word terms of programming that code writes as one short name (`regular expression` →
 * `regex`, `command line` → `argv`). General usage, like the short forms below, not any one codebase's.
 */
const COMPOUNDS = new Map<string, string[]>(Object.entries({
  'regular expression': ['regex', 'regexp', 'regexes', 'regexps'],
  'command line': ['cli', 'argv', 'cmdline', 'commandline'],
  'syntax tree': ['ast'],
  'source map': ['sourcemap', 'sourcemaps'],
  'environment variable': ['env', 'environ', 'envvar'],
  'file system': ['fs', 'filesystem'],
  'standard input': ['stdin'],
  'standard output': ['stdout'],
  'standard error': ['stderr'],
  'user agent': ['useragent'],
  'garbage collection': ['gc'],
  'operating system': ['os'],
  'process id': ['pid'],
  'virtual machine': ['vm'],
  'user interface': ['ui'],
  'certificate authority': ['ca'],
  'byte order': ['bom'],
  'white space': ['whitespace'],
  'time out': ['timeout'],
  'host name': ['hostname'],
  'file name': ['filename'],
  'path name': ['pathname'],
  'time stamp': ['timestamp'],
  'look up': ['lookup'],
  'new line': ['newline'],
}));

/**
 * Words code shortens, each with its usual short forms (both ways: `connection pool` finds
 * `connPool`, and `ctx` finds `context`). General programming usage, not any one codebase's.
 */
// A Map, not an object literal: a query word such as `constructor` must not find Object.prototype's members.
const SHORT_FORMS = new Map<string, string[]>(Object.entries({
  argument: ['arg'], arguments: ['args'], attribute: ['attr'], attributes: ['attrs'], authentication: ['auth'], authorization: ['auth', 'authz'],
  buffer: ['buf'], button: ['btn'], callback: ['cb'], character: ['char'], column: ['col'], command: ['cmd'], config: ['cfg', 'conf'],
  configuration: ['config', 'cfg', 'conf'], connection: ['conn'], context: ['ctx'], current: ['cur', 'curr'], database: ['db'],
  declaration: ['decl'], definition: ['def'], destination: ['dest', 'dst'], directory: ['dir'], document: ['doc'], element: ['elem'],
  environment: ['env'], error: ['err'], event: ['evt'], expression: ['expr'], function: ['func', 'fn'], identifier: ['id', 'ident'],
  image: ['img'], implementation: ['impl'], index: ['idx'], information: ['info'], initialize: ['init'], length: ['len'], library: ['lib'],
  message: ['msg'], number: ['num'], object: ['obj'], package: ['pkg'], parameter: ['param'], parameters: ['params'], position: ['pos'],
  previous: ['prev'], process: ['proc'], reference: ['ref'], references: ['refs'], repository: ['repo'], request: ['req'], response: ['res', 'resp'],
  source: ['src'], specification: ['spec'], statement: ['stmt'], string: ['str'], temporary: ['tmp', 'temp'], utility: ['util'], utilities: ['utils'],
  value: ['val'], variable: ['var'], window: ['win'],
  address: ['addr'], allocate: ['alloc'], allocation: ['alloc'], allocator: ['alloc'], asynchronous: ['async'], average: ['avg'],
  binary: ['bin'], boolean: ['bool'], calculate: ['calc'], certificate: ['cert'], certificates: ['certs'], channel: ['chan'],
  coordinate: ['coord'], count: ['cnt'], delete: ['del'], description: ['desc'], dictionary: ['dict'],
  escape: ['esc'], exception: ['exc'], execute: ['exec'], extension: ['ext'], frequency: ['freq'],
  generate: ['gen'], header: ['hdr'], hexadecimal: ['hex'], instance: ['inst'], integer: ['int'], iterate: ['iter'], iterator: ['iter'],
  language: ['lang'], lowercase: ['lower'], manager: ['mgr'], maximum: ['max'], memory: ['mem'], milliseconds: ['ms'], minimum: ['min'],
  miscellaneous: ['misc'], multiply: ['mul'], original: ['orig'],
  packet: ['pkt'], password: ['passwd', 'pwd'], pointer: ['ptr'], receive: ['recv'], sequence: ['seq'], signature: ['sig'],
  socket: ['sock'], standard: ['std'], statistics: ['stats'], synchronize: ['sync'], synchronous: ['sync'], system: ['sys'],
  template: ['tmpl', 'tpl'], transaction: ['txn', 'tx'], uppercase: ['upper'], vector: ['vec'], version: ['ver'],
}));
const LONG_FORMS = new Map<string, string[]>();
for (const [long, shorts] of SHORT_FORMS) for (const short of shorts) LONG_FORMS.set(short, [...(LONG_FORMS.get(short) ?? []), long]);

/**
 * Other forms of a plain English word that code spells the same idea with: singular and plural,
 * and the stem of -ing, -ed and -er forms (`placeholders` → `placeholder`, `compiling` →
 * `compile`, `compiler`; `targeted` → `target`). Forms the index does not hold cost nothing.
 */
export function wordVariants(word: string): string[] {
  if (word.length < 2 || !/^(\p{Lu}+|\p{Lu}?\p{Ll}+)$/u.test(word)) return [];
  const w = word.toLowerCase();
  const out = new Set<string>();
  if (w.length < 4) return [...(LONG_FORMS.get(w) ?? [])];
  if (w.endsWith('ies') && w.length > 4) out.add(`${w.slice(0, -3)}y`);
  else if (/(s|x|z|ch|sh)es$/.test(w)) out.add(w.slice(0, -2));
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) out.add(w.slice(0, -1));
  else if (w.endsWith('y') && !/[aeiou]y$/.test(w)) out.add(`${w.slice(0, -1)}ies`);
  else out.add(`${w}s`);
  for (const suffix of ['ing', 'ed', 'er']) {
    if (!w.endsWith(suffix) || w.length < suffix.length + 3) continue;
    const stem = w.slice(0, -suffix.length);
    out.add(stem).add(`${stem}s`).add(`${stem}e`);
    // Doubled consonants: stopped → stop, running → run.
    if (/([^aeiou])\1$/.test(stem)) out.add(stem.slice(0, -1));
    if (suffix === 'ing') out.add(`${stem}er`).add(`${stem}or`);
  }
  for (const form of [...out, w]) for (const other of [...(SHORT_FORMS.get(form) ?? []), ...(LONG_FORMS.get(form) ?? [])]) out.add(other);
  // British spellings, as code is mostly written in American ones: `serialising` finds `serializer`, `behaviour` finds `behavior`.
  const american = w.replace(/is(e|es|ed|ing|er|ers|ation|ations)$/, 'iz$1').replace(/our(s|ed|ing)?$/, 'or$1');
  if (american !== w && w.length >= 6) for (const form of [american, ...wordVariants(american)]) out.add(form);
  out.delete(w);
  return [...out];
}
