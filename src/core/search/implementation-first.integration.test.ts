import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../../test/support/engine.js';
import { copyDocsFirstRepo, tempDir, writeFile } from '../../../test/support/fixtures.js';
import { Engine } from '../engine.js';
import { InProcessFileProcessor } from '../indexing/in-process.js';

describe('implementation first', () => {
  let cleanup: () => Promise<void>;
  let engine: Engine;

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    const repo = await copyDocsFirstRepo(path.join(work, 'repo'));
    // A test that uses the name too: it must not be taken for the definition.
    await writeFile(repo, 'test/retry.test.ts', 'import { backoffDelay } from "../src/retry";\nexport function backoffDelay_caps() { return backoffDelay(9, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5 }, null); }\n');
    // A test that describes the behaviour in the question's own words, more often than the code does.
    await writeFile(repo, 'test/pool.test.ts', "import { ConnectionPool } from '../src/pool';\n// Idle connections are closed once the idle timeout has passed.\nexport function idleConnectionsAreClosedAfterTheTimeout(pool: ConnectionPool): void {\n  // after the timeout an idle connection is closed; closed idle connections are not reused after the timeout\n}\n");
    // Code that turns patterns into regular expressions, in none of the question's words but the short name.
    await writeFile(repo, 'src/glob.ts', "export function globToRegex(glob: string): RegExp {\n  return new RegExp(`^${glob.split('*').join('[^/]*')}$`);\n}\n");
    // A test that says in words what the code it calls does, in none of the code's own words.
    await writeFile(repo, 'src/spread.ts', 'export function spreadDelay(base: number, random: () => number): number {\n  return base * (0.5 + random());\n}\n');
    await writeFile(repo, 'test/spread.test.ts', "import { spreadDelay } from '../src/spread';\nit('staggers the wait so that many clients do not all reconnect in lockstep', () => {\n  expect(spreadDelay(100, () => 0)).toBe(50);\n});\n");
    // Two definitions of `send`: a qualified name asks for the one filed under its qualifier.
    await writeFile(repo, 'src/transport.ts', 'export class Transport {\n  send(body: string): number {\n    return body.length;\n  }\n}\n');
    await writeFile(repo, 'src/send.ts', "import { Transport } from './transport';\n/** Sends through a new Transport: `send(body)` is Transport's send for one request. */\nexport function send(body: string): number {\n  return new Transport().send(body);\n}\n");
    // A method qualified by a type defined in the same file, under a name that is not the type's (Rust's mod.rs), and a caller whose name is part of it.
    await writeFile(repo, 'src/exec/mod.rs', 'pub struct CommandSet {\n    commands: Vec<String>,\n}\n\nimpl CommandSet {\n    pub fn execute_batch(&self) -> usize {\n        self.commands.len()\n    }\n}\n');
    await writeFile(repo, 'src/exec/job.rs', 'use super::CommandSet;\n\n/// Runs a batch: execute_batch on the CommandSet, then execute_batch again for the rest.\npub fn batch(cmd: &CommandSet) -> usize {\n    cmd.execute_batch() + cmd.execute_batch()\n}\n');
    // A package named like a method of another file's type: `render.secureJson` asks for the package's.
    await writeFile(repo, 'src/render/json.ts', 'export function secureJson(value: unknown): string {\n  return `while(1);${JSON.stringify(value)}`;\n}\n');
    await writeFile(repo, 'src/context.ts', "import { secureJson as encode } from './render/json';\nexport class Context {\n  Render(body: string): string {\n    return body;\n  }\n  secureJson(value: unknown): string {\n    // secureJson renders through the render package's secureJson\n    return this.Render(encode(value));\n  }\n}\n");
    // Two definitions whose names differ only in case; the function's file says the class's name more often.
    await writeFile(repo, 'src/progress_impl.ts', 'export class ProgressBar {\n  constructor(readonly total: number) {}\n}\n');
    await writeFile(repo, 'src/termui.ts', "import { ProgressBar } from './progress_impl';\n/** Makes a ProgressBar: progressbar(10) is a ProgressBar of ten steps. */\nexport function progressbar(total: number): ProgressBar {\n  return new ProgressBar(total);\n}\n");
    // A class implemented in JavaScript and declared, more wordily, in a declaration file.
    await writeFile(repo, 'lib/core.js', 'export class RetryQueue {\n  constructor(limit) {\n    this.items = [];\n    this.limit = limit;\n  }\n  push(item) {\n    if (this.items.length < this.limit) this.items.push(item);\n  }\n}\n');
    await writeFile(repo, 'index.d.ts', '/** A RetryQueue holds requests to retry: RetryQueue.push adds one. */\nexport declare class RetryQueue {\n  /** Items of the RetryQueue, as the RetryQueue keeps them. */\n  items: RetryQueue[];\n}\n');
    // A question's words as a README heading and a manifest key: neither is a definition.
    await writeFile(repo, 'FINDER.md', '## Skipped directories\n\nDirectories that hold a marker file are skipped: skip directories with a marker file.\n');
    await writeFile(repo, 'Cargo.toml', '[package]\nname = "finder"\n\n# FIXME: use the system allocator on macOS\n[target.macos.dependencies]\nlibc = "0.2"\n');
    await writeFile(repo, 'src/walk.rs', '/// Skips a directory that holds a marker file.\npub fn holds_marker(dir: &std::path::Path) -> bool {\n    dir.join("CACHEDIR.TAG").exists()\n}\n');
    await writeFile(repo, 'src/listing.rs', '/// The ls program for the long listing: on macOS and BSD it is gls when installed.\npub fn long_listing_program() -> &\'static str {\n    if cfg!(target_os = "macos") { "gls" } else { "ls" }\n}\n');
    // Source named like release notes, and upgrade notes in the question's words.
    await writeFile(repo, 'src/history.ts', 'export function recordStep(steps: string[], step: string): string[] {\n  // keeps the last 50 undo steps\n  return [...steps, step].slice(-50);\n}\n');
    await writeFile(repo, 'UPGRADING.md', '## 2.0\n\nThe number of undo steps kept is now 50.\n');
    // A page naming the code that answers in one paragraph, and other code in a paragraph that shares a word with the question.
    await writeFile(repo, 'docs/sessions.md', '# Sessions\n\nStale sessions are evicted from the session cache by `evictStale`, once their lease expires.\n\nThe cache itself comes from `createCache`.\n');
    await writeFile(repo, 'src/evict.ts', 'export function evictStale(entries: Map<string, number>, now: number): void {\n  for (const [key, lease] of entries) if (lease < now) entries.delete(key);\n}\n');
    await writeFile(repo, 'src/cache.ts', '/** A cache: the cache map, sized for the cache of each session. */\nexport function createCache(): Map<string, number> {\n  return new Map(); // an empty cache\n}\n');
    // A Go method filed apart from its type, and code that says its qualified name more often.
    await writeFile(repo, 'cli/command.go', 'package cli\n\ntype Command struct {\n\tName string\n}\n');
    await writeFile(repo, 'cli/command_run.go', 'package cli\n\nfunc (cmd *Command) Run(args []string) error {\n\treturn nil\n}\n');
    await writeFile(repo, 'cli/all.go', 'package cli\n\n// RunAll calls Command.Run on each Command: Command.Run, then the next Command.Run.\nfunc RunAll(cmds []*Command) {\n\tfor _, c := range cmds {\n\t\t_ = c.Run(nil)\n\t}\n}\n');
    // A trait's method, and an implementation of it in a directory named after the trait that says the method's name more often.
    await writeFile(repo, 'src/buf/buf_impl.rs', 'pub trait Buf {\n    fn chunk_count(&self) -> usize {\n        1\n    }\n}\n');
    await writeFile(repo, 'src/buf/chain.rs', 'use super::Buf;\n\npub struct Chain<T> {\n    a: T,\n    b: T,\n}\n\nimpl<T: Buf> Buf for Chain<T> {\n    /// chunk_count of a, plus chunk_count of b.\n    fn chunk_count(&self) -> usize {\n        self.a.chunk_count() + self.b.chunk_count()\n    }\n}\n');
    // A crate's doc, comments alone, that answers in words and names the code; the code says little of the question.
    await writeFile(repo, 'src/lib.rs', '//! # Tokens\n//!\n//! Expired tokens are dropped from the token store once their deadline has passed:\n//! the store calls [`sweep`] on every expired token it holds.\n\npub mod tokens;\n');
    await writeFile(repo, 'src/tokens.rs', 'pub fn sweep(held: &mut Vec<u64>, now: u64) {\n    held.retain(|t| *t > now);\n}\n');
    // A page naming a name defined in many files and one defined once, in the same paragraph.
    await writeFile(repo, 'docs/hooks.md', '# Hooks\n\nAfter the generated constructor returns, `build` calls each `fireCallbacks` callback in order.\n');
    for (const dir of ['a', 'b', 'c']) await writeFile(repo, `src/${dir}/build.ts`, `export function build(): string {\n  return '${dir}';\n}\n`);
    await writeFile(repo, 'src/fire.ts', 'export function fireCallbacks(fns: Array<() => void>): void {\n  for (const fn of fns) fn();\n}\n');
    // Settings that say a question's words more often than the code that does it.
    await writeFile(repo, 'config/uploads.yaml', 'uploads:\n  limit: 10MB # larger ones are rejected\n');
    await writeFile(repo, 'src/upload.ts', '/** Rejects an upload larger than the limit. */\nexport function overLimit(size: number, limit: number): boolean {\n  return size > limit;\n}\n');
    // A guide filed with the docs, on the same settings.
    await writeFile(repo, 'docs/guides/uploads.md', '# Uploads\n\nThe uploads limit is set in the settings file.\n');
    // A page that answers in words only, naming no code, and the code that does it.
    await writeFile(repo, 'TROUBLESHOOTING.md', '## Slow servers\n\nWhen a slow server takes too long to answer, the request gives up: it is aborted once the wait is too long.\n');
    await writeFile(repo, 'src/http/deadline.ts', '/** Gives up on a request when the server takes too long: aborts it after `ms`. */\nexport function abortAfter(ms: number, controller: AbortController): void {\n  setTimeout(() => controller.abort(), ms);\n}\n');
    // A class the code uses everywhere, and a stray function of the same name in lower case.
    await writeFile(repo, 'src/settings/Loader.ts', '/** The Loader reads settings; a Loader caches what it read. */\nexport class Loader {\n  load(): Loader {\n    return this; // Loader\n  }\n}\n');
    await writeFile(repo, 'src/old/helpers.ts', 'export function loader(): number {\n  return 1;\n}\n');
    // A name's definition, and code that uses it amid more of a question's words.
    await writeFile(repo, 'src/memo.ts', 'export function makeCache<K extends object, V>(compute: (key: K) => V): (key: K) => V {\n  const seen = new WeakMap<K, V>();\n  return (key) => (seen.has(key) ? seen.get(key)! : (seen.set(key, compute(key)), seen.get(key)!));\n}\n');
    await writeFile(repo, 'src/settings.ts', "import { makeCache } from './memo';\n// Configuration results are memoized per input object: each loader result is computed once.\nexport const loadConfiguration = makeCache((input: object) => ({ input, results: [] }));\nexport const configurationResults = makeCache((input: object) => [input]);\n");
    // A function too long for one chunk (its pieces carry its name), and a caller in the question's words.
    const steps = Array.from({ length: 160 }, (_, i) => `  records = applyStep(records, 'step-${i}', ${i});`).join('\n');
    await writeFile(repo, 'src/migrate.ts', `export function migrateRecords(records: string[]): string[] {\n${steps}\n  return records;\n}\nfunction applyStep(records: string[], name: string, at: number): string[] {\n  return [...records, name + at];\n}\n`);
    await writeFile(repo, 'src/upgrade.ts', "import { migrateRecords } from './migrate';\n// Keeps going after a failed step: a failed step is logged, and the upgrade keeps going.\nexport function upgrade(records: string[]): string[] {\n  try { return migrateRecords(records); } catch { return records; } // keeps going after a failed step\n}\n");
    engine = await Engine.open({ dataDir: path.join(work, 'data'), processor: await InProcessFileProcessor.create() });
    await drain(engine.index(await engine.addFolder(repo)));
  });
  after(async () => {
    engine.close();
    await cleanup();
  });

  const paths = async (query: string) => (await engine.search(query, { mode: 'lexical', fresh: true })).hits.map((h) => h.path);

  it('puts the code a doc names above the doc whose prose matches the question, with the doc as its explanation', async () => {
    const result = await engine.search('where is the delay before the next retry computed', { mode: 'lexical', fresh: true });
    assert.equal(result.hits[0]?.path, 'src/retry.ts');
    assert.equal(result.hits[0]?.symbol, 'backoffDelay');
    assert.deepEqual(result.hits[0]?.explainedBy, { path: 'docs/retries.md', startLine: 8 });
    const doc = result.hits.findIndex((h) => h.path === 'docs/retries.md');
    assert.ok(doc > 0, 'the page stays in the list, below what it explains');
  });

  it('finds code whose words differ from the question through the path and the doc that names it', async () => {
    assert.equal((await paths('how are idle connections closed after a timeout'))[0], 'src/pool.ts');
    assert.equal((await paths('limit how many requests are sent per second'))[0], 'src/rate_limit.py');
    assert.equal((await paths('searching parent directories for the configuration file'))[0], 'src/config.ts');
  });

  it('ranks the code above a test that describes the same behaviour in more of the question\'s words', async () => {
    const hits = await paths('how are idle connections closed after a timeout');
    assert.equal(hits[0], 'src/pool.ts');
    assert.ok(hits.includes('test/pool.test.ts'), 'the test is still found');
  });

  it('matches a two-word term by the short name code writes it as', async () => {
    const result = await engine.search('turning globs into regular expressions', { mode: 'lexical', fresh: true });
    assert.equal(result.hits[0]?.path, 'src/glob.ts');
    assert.ok(result.hits[0]!.snippet.some((line) => line.highlights.some(([start, end]) => /^regexp?$/i.test(line.text.slice(start, end)))), 'the short name is highlighted');
  });

  it('puts the code a matching test calls above the test, with the test as its explanation', async () => {
    const result = await engine.search('staggering the wait so many clients do not reconnect in lockstep', { mode: 'lexical', fresh: true });
    assert.equal(result.hits[0]?.path, 'src/spread.ts');
    assert.deepEqual(result.hits[0]?.explainedBy, { path: 'test/spread.test.ts', startLine: 3 }, 'the line that calls it, not the import');
    assert.ok(result.hits.some((h) => h.path === 'test/spread.test.ts'), 'the test stays in the list');
    assert.equal((await paths('tests staggering the wait so many clients do not reconnect in lockstep'))[0], 'test/spread.test.ts', 'asked for, the test comes first');
  });

  it('takes neither a doc heading nor a manifest key for a definition the question names', async () => {
    const { hits } = await engine.search('skip directories that hold a marker file', { mode: 'lexical', fresh: true });
    assert.equal(hits[0]?.path, 'src/walk.rs');
    const doc = hits.find((h) => h.path === 'FINDER.md');
    assert.ok(doc && !doc.signals?.some((s) => s.kind === 'definition'), `a heading defines nothing: ${JSON.stringify(doc?.signals)}`);
    assert.equal(doc.symbol, 'Skipped directories', 'the hit shows its heading, not the word of it the question matched');
    assert.equal((await paths('which ls program does the long listing on macOS'))[0], 'src/listing.rs');
    // A question about behaviour is answered by the code, not by the settings that configure it.
    assert.equal((await paths('where are uploads larger than the limit rejected'))[0], 'src/upload.ts');
  });

  it('demotes upgrade notes like release notes, and never source named like them', async () => {
    const hits = await paths('how many undo steps are kept');
    assert.equal(hits[0], 'src/history.ts');
    assert.ok(hits.indexOf('UPGRADING.md') > 0, hits.join(', '));
  });

  it('puts a page that names no code below the code that answers the question', async () => {
    const hits = await paths('where does a request give up when the server takes too long to answer');
    assert.equal(hits[0], 'src/http/deadline.ts');
    assert.ok(hits.includes('TROUBLESHOOTING.md'), hits.join(', '));
  });

  it('lends most to the names of the paragraph that speaks of the question', async () => {
    const hits = await paths('how are stale sessions evicted from the cache');
    assert.equal(hits[0], 'src/evict.ts');
    assert.ok(hits.indexOf('src/cache.ts') > 0, hits.join(', '));
  });

  it('keeps docs first when the query asks for them, by word or by filter', async () => {
    assert.equal((await paths('retries guide'))[0], 'docs/retries.md');
    assert.equal((await paths('how to configure the configuration file'))[0], 'docs/configuration.md');
    assert.equal((await paths('lang:md idle connections closed'))[0], 'docs/pooling.md');
    assert.equal((await paths('guide to the uploads limit'))[0], 'docs/guides/uploads.md', 'a guide asked for, wherever the docs are filed');
  });

  it('ranks a lone name\'s definition above the code and tests that use it', async () => {
    const [first, ...rest] = await paths('backoffDelay');
    assert.equal(first, 'src/retry.ts');
    assert.ok(rest.includes('src/client.ts') && rest.includes('test/retry.test.ts'));
    assert.equal((await paths('ConnectionPool'))[0], 'src/pool.ts');
  });

  it('finds a qualified name\'s definition in the file its qualifier names, for each way of writing it', async () => {
    for (const query of ['Transport.send', 'Transport::send', 'Transport#send', 'Transport->send']) {
      const [first] = (await engine.search(query, { mode: 'lexical', fresh: true })).hits;
      assert.equal(first?.path, 'src/transport.ts', query);
      assert.equal(first?.symbol, 'send', query);
    }
    assert.equal((await paths('send'))[0], 'src/send.ts', 'unqualified, the function named so');
  });

  it('puts the definition spelt as typed first when a name typed with a capital differs from another only in case', async () => {
    assert.equal((await paths('ProgressBar'))[0], 'src/progress_impl.ts');
    assert.equal((await paths('progressbar'))[0], 'src/termui.ts');
    // Smart case: typed in lower case, a name asks for no spelling, and the best definition comes first.
    assert.equal((await paths('loader'))[0], 'src/settings/Loader.ts');
  });

  it('puts the implementation above a declaration file that declares the same name', async () => {
    const hits = await paths('RetryQueue');
    assert.equal(hits[0], 'lib/core.js');
    assert.ok(hits.includes('index.d.ts'));
  });

  it('finds a qualified name\'s definition in the file that defines its qualifier, the qualifier as typed', async () => {
    const [method] = (await engine.search('CommandSet::execute_batch', { mode: 'lexical', fresh: true })).hits;
    assert.equal(method?.path, 'src/exec/mod.rs');
    assert.equal(method?.symbol, 'execute_batch');
    assert.equal((await paths('render.secureJson'))[0], 'src/render/json.ts', 'a `Render` method does not make its file the `render` package');
    assert.equal((await paths('Command.Run'))[0], 'cli/command_run.go', "a Go method names its receiver's type in its signature");
    assert.equal((await paths('Buf::chunk_count'))[0], 'src/buf/buf_impl.rs', 'the file that defines the trait, before one that is only in a directory named so');
  });

  it('answers a question about a typed name with its definition, above code that uses it in more of the question\'s words', async () => {
    const hits = await paths('makeCache memoizing configuration results per input object');
    assert.equal(hits[0], 'src/memo.ts');
    assert.ok(hits.includes('src/settings.ts'));
    const docs = await paths('backoffDelay docs');
    assert.ok(docs[0]!.startsWith('docs/') || docs[0] === 'README.md', `asked for, the docs come first: ${docs.join(', ')}`);
  });

  it('counts the pieces of a definition split across chunks as its definition', async () => {
    const [first] = (await engine.search('how migrateRecords keeps going after a failed step', { mode: 'lexical', fresh: true })).hits;
    assert.equal(first?.path, 'src/migrate.ts');
    assert.equal(first?.symbol, 'migrateRecords');
  });

  it('lends the score of a code file\'s doc comment to the code it names, as a page\'s', async () => {
    const hits = (await engine.search('where are expired tokens dropped from the token store', { mode: 'lexical', fresh: true })).hits;
    assert.equal(hits[0]?.path, 'src/tokens.rs', JSON.stringify(hits.map((h) => [h.path, h.score])));
    assert.equal(hits[0]?.explainedBy?.path, 'src/lib.rs');
  });

  it('lends most to the name a page names that is defined once, not to one defined in many files', async () => {
    const hits = await paths('what runs after the generated constructor returns');
    assert.equal(hits[0], 'src/fire.ts', hits.join(', '));
  });

  it('leaves release notes below the code unless they are asked for', async () => {
    const hits = await paths('idle connections closed after a timeout');
    assert.ok(hits.indexOf('CHANGELOG.md') > hits.indexOf('src/pool.ts'));
    assert.equal((await paths('changelog idle connections'))[0], 'CHANGELOG.md');
  });

  it('ranks a query of phrases alone, with no words to analyse, with finite scores and relevances', async () => {
    const result = await engine.search('"maxDelayMs"', { mode: 'lexical', fresh: true });
    assert.ok(result.hits.length >= 2);
    assert.ok(result.hits.every((h) => Number.isFinite(h.score) && h.score > 0 && Number.isFinite(h.relevance)), JSON.stringify(result.hits.map((h) => [h.score, h.relevance])));
    assert.equal(result.hits[0]!.relevance, 100);
  });
});
