import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SearchHit, SearchTimings } from '../../shared/types.js';
import { parseQuery } from '../query/parse.js';
import { ADVICE_MIN_CHUNKS, NARROW_MIN_CANDIDATES, profileSearch, type ProfileInput, type StageCounts } from './profile.js';

const NO_TIME: SearchTimings = { parse: 0, lexical: 0, embed: 0, vector: 0, fuse: 0, snippets: 0 };
const NO_COUNTS: StageCounts = { indexedChunks: 0, phraseChunks: null, lexicalCandidates: null, regexChunksChecked: null, vectorsCompared: null };

function hit(folder: string, language: string): SearchHit {
  return { folder, path: 'a', language, startLine: 1, endLine: 1, kind: 'block', symbol: null, score: 1, snippet: [], moreInFile: 0, relevance: 100, signals: [], explainedBy: null };
}

function profile(input: Partial<ProfileInput> & { input?: string }): ReturnType<typeof profileSearch> {
  const mode = input.mode ?? 'lexical';
  return profileSearch({
    mode,
    query: parseQuery(input.input ?? 'handler', mode),
    timings: { ...NO_TIME, ...input.timings },
    counts: { ...NO_COUNTS, ...input.counts },
    regex: input.regex ?? null,
    hits: input.hits ?? [],
    embedding: input.embedding ?? null,
  });
}

const codes = (p: ReturnType<typeof profileSearch>): string[] => p.advice.map((a) => a.code);

describe('profileSearch', () => {
  it('names the stage that took longest and its share of the summed stages', () => {
    const p = profile({ timings: { ...NO_TIME, parse: 1, lexical: 6, snippets: 3 } });
    assert.equal(p.dominantStage, 'lexical');
    assert.equal(p.dominantShare, 0.6);
    assert.equal(p.cachedAgeMs, null);
    assert.deepEqual(profile({}).dominantStage, null, 'no stage took time');
  });

  it('counts the folders and languages among the hits', () => {
    const p = profile({ hits: [hit('a', 'go'), hit('a', 'rust'), hit('b', 'go')] });
    assert.equal(p.counts.hitFolders, 2);
    assert.equal(p.counts.hitLanguages, 2);
  });

  it('suggests the filter that selects most hits when many candidates spread over folders and languages', () => {
    const hits = [hit('api', 'typescript'), hit('api', 'typescript'), hit('web', 'python')];
    const busy = { timings: { ...NO_TIME, lexical: 9, snippets: 1 }, counts: { ...NO_COUNTS, lexicalCandidates: 2_500 }, hits };
    const [advice] = profile(busy).advice;
    assert.equal(advice?.code, 'filter-would-narrow');
    assert.match(advice!.message, /scored 2,500 chunks .* in 9\.0 ms \(90% of the search\)/);
    assert.match(advice!.message, /repo:api \(2 of 3 hits\) or lang:typescript \(2 of 3 hits\)/);
    assert.deepEqual(codes(profile({ ...busy, counts: { ...NO_COUNTS, lexicalCandidates: NARROW_MIN_CANDIDATES - 1 } })), [], 'too few candidates');
    assert.deepEqual(codes(profile({ ...busy, timings: { ...NO_TIME, lexical: 4, snippets: 6 } })), [], 'the ranking did not dominate');
    assert.deepEqual(codes(profile({ ...busy, hits: [hit('api', 'go'), hit('api', 'go')] })), [], 'one folder, one language: nothing to cut');
    const filtered = profile({ ...busy, input: 'handler repo:api' }).advice[0]!.message;
    assert.ok(!filtered.includes('repo:') && filtered.includes('lang:typescript'), filtered);
    assert.match(profile({ ...busy, hits: [hit('my api', 'go'), hit('my api', 'go'), hit('web', 'go')] }).advice[0]!.message, /repo:"my api"/);
  });

  it('explains a full regex scan when the pattern has no literal, and a JavaScript-only pattern', () => {
    const timings = { ...NO_TIME, lexical: 20 };
    const scan = profile({ input: '[a-z]+_[0-9]', mode: 'regex', timings, counts: { ...NO_COUNTS, indexedChunks: 5_000 }, regex: { prefilter: 'none', re2: true } });
    assert.deepEqual(codes(scan), ['regex-without-literal']);
    assert.match(scan.advice[0]!.message, /RE2 read every chunk in scope \(5,000 in the index\) in 20\.0 ms \(100% of the search\)/);
    const small = profile({ input: '[a-z]+', mode: 'regex', timings, counts: { ...NO_COUNTS, indexedChunks: ADVICE_MIN_CHUNKS - 1 }, regex: { prefilter: 'none', re2: true } });
    assert.deepEqual(codes(small), []);
    const narrowed = profile({ input: 'foo\\(', mode: 'regex', timings, counts: { ...NO_COUNTS, indexedChunks: 5_000 }, regex: { prefilter: 'identifiers', re2: true } });
    assert.deepEqual(codes(narrowed), []);
    const js = profile({
      input: 'foo(?=bar)', mode: 'regex', timings, counts: { ...NO_COUNTS, indexedChunks: 5_000, regexChunksChecked: 1_200 }, regex: { prefilter: 'substrings', re2: false },
    });
    assert.deepEqual(codes(js), ['regex-javascript-only']);
    assert.match(js.advice[0]!.message, /JavaScript read and checked 1,200 chunks/);
  });

  it('points at a phrase that needed a text scan, unless it has no words', () => {
    const base = { timings: { ...NO_TIME, lexical: 8, snippets: 1 }, counts: { ...NO_COUNTS, indexedChunks: 3_000, phraseChunks: 12 } };
    const p = profile({ ...base, input: '"open the door"' });
    assert.deepEqual(codes(p), ['phrase-scan']);
    assert.match(p.advice[0]!.message, /"open the door" was matched by scanning the text of all 3,000 chunks \(12 hold it\)/);
    assert.deepEqual(codes(profile({ ...base, input: '"=>"' })), []);
  });

  it('says which folders are not fully embedded, least covered first', () => {
    const embedding = [
      { folder: 'done', chunks: 10, embedded: 10 },
      { folder: 'half', chunks: 10, embedded: 5 },
      { folder: 'new', chunks: 400, embedded: 0 },
    ];
    const p = profile({ mode: 'hybrid', embedding });
    assert.deepEqual(codes(p), ['embeddings-incomplete']);
    assert.match(p.advice[0]!.message, /embedded so far new 0% \(0 of 400 chunks\), half 50% \(5 of 10 chunks\)\. .*their words still find them/);
    assert.ok(!p.advice[0]!.message.includes('done'));
    assert.deepEqual(codes(profile({ mode: 'semantic', embedding: [embedding[0]!] })), []);
  });
});
