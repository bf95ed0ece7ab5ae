import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeWords, looksLikeIdentifier, nameParts, wordVariants } from './analyze.js';

describe('query word analysis', () => {
  it('drops the function words of a question, keeping what carries it', () => {
    const analysis = analyzeWords('where is the delay before the next retry computed'.split(' '));
    assert.deepEqual(analysis.content, ['delay', 'before', 'next', 'retry', 'computed']);
    assert.equal(analysis.descriptive, true);
  });

  it('takes a sentence\'s punctuation off its words, and keeps a query of punctuation alone as typed', () => {
    assert.deepEqual(analyzeWords('how does (migrateRecords, `applyStep`) fail?'.split(' ')).content, ['migrateRecords', 'applyStep', 'fail']);
    assert.deepEqual(analyzeWords(['Scope.getOwnBinding.']).content, ['Scope.getOwnBinding']);
    assert.deepEqual(analyzeWords(['::']).content, ['::']);
  });

  it('keeps a query of stop words alone, since then they are what is meant', () => {
    assert.deepEqual(analyzeWords(['this']).content, ['this']);
    assert.deepEqual(analyzeWords(['is', 'a']).content, ['is', 'a']);
  });

  it('tells identifiers from prose, and a query naming one is not descriptive', () => {
    for (const word of ['connPool', 'ConnectionPool', 'pool_size', 'Scope.getOwnBinding', 'std::vector', '$el', 'utf8', 'HTTPServer']) {
      assert.ok(looksLikeIdentifier(word), word);
    }
    for (const word of ['pool', 'Connection', 'HTTP', 'retry', 'double-click']) assert.ok(!looksLikeIdentifier(word), word);
    for (const word of ['Transport#send', 'conn->close', 'a::b']) assert.ok(looksLikeIdentifier(word), word);
    assert.equal(analyzeWords('how Scope.crawl collects bindings'.split(' ')).descriptive, false);
    assert.equal(analyzeWords(['retry', 'delay']).descriptive, false, 'two words are a name as often as a question');
  });

  it('gives the other forms code spells a plain word with, and none for identifiers', () => {
    assert.ok(wordVariants('placeholders').includes('placeholder'));
    assert.ok(wordVariants('entries').includes('entry'));
    assert.ok(wordVariants('retry').includes('retries'));
    assert.ok(wordVariants('compiling').includes('compile') && wordVariants('compiling').includes('compiler'));
    assert.ok(wordVariants('targeted').includes('target') && wordVariants('targeted').includes('targets'));
    assert.ok(wordVariants('stopped').includes('stop'));
    assert.ok(wordVariants('pool').includes('pools'));
    assert.deepEqual(wordVariants('connPool'), []);
    assert.deepEqual(wordVariants('run'), [], 'short words are left alone');
    assert.ok(wordVariants('connection').includes('conn'), 'connection pool finds connPool');
    assert.ok(wordVariants('ctx').includes('context') && wordVariants('configuration').includes('cfg'));
    assert.ok(wordVariants('hexadecimal').includes('hex') && wordVariants('uppercase').includes('upper'), 'LowerHex and UpperHex');
    assert.ok(wordVariants('certificates').includes('certs') && wordVariants('max').includes('maximum'));
    assert.ok(!wordVariants('status').includes('statu'));
    assert.ok(wordVariants('constructor').includes('constructors'), "Object.prototype's names are words like any other");
    assert.ok(wordVariants('randomising').includes('randomize') && wordVariants('behaviour').includes('behavior'), 'British spellings find American ones');
    assert.ok(!wordVariants('four').includes('for'), 'short words ending in -our are not spellings');
  });

  it('gives both words of a two-word term the short name code writes it as, in either number', () => {
    const { content, variants } = analyzeWords('turning path patterns into regular expressions'.split(' '));
    const at = (word: string) => variants[content.indexOf(word)]!;
    assert.ok(at('regular').includes('regex') && at('expressions').includes('regex'));
    assert.ok(at('expressions').includes('expression'), 'a word keeps its own forms');
    assert.ok(!at('patterns').includes('regex'), 'only the two words of the term');
    assert.ok(analyzeWords('parse the command line'.split(' ')).variants.every((v, i) => i === 0 || v.includes('argv')));
    assert.ok(!analyzeWords('line command'.split(' ')).variants.some((v) => v.includes('argv')), 'in the order the term is written');
  });

  it('splits a qualified name into its parts, however it is written, and leaves a plain word whole', () => {
    assert.deepEqual(nameParts('Scope.getOwnBinding'), ['Scope', 'getOwnBinding']);
    assert.deepEqual(nameParts('a::b#c->d'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(nameParts('::send'), ['send']);
    assert.deepEqual(nameParts('::'), ['::'], 'nothing but separators is kept as typed');
    assert.deepEqual(nameParts('send'), ['send']);
  });
});
