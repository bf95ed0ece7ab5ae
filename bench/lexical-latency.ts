// `npm run bench:lexical -- <data-dir> [--rounds N]`: lexical search time on an index built
// beforehand (`quarry index` into that data directory), fresh rankings, for identifier-style and
// plain-language queries apart. Run it from two checkouts on the same data directory, alternately,
// to compare ranking code: the index format is the same.
import { parseArgs } from 'node:util';
import { Engine } from '../src/core/engine.js';
import { InProcessFileProcessor } from '../src/core/indexing/in-process.js';
import { DESCRIPTIVE_QUERIES, LEXICAL_QUERIES } from './queries.js';
import { percentile } from './stats.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string' } } });
const dataDir = positionals[0];
if (!dataDir) throw new Error('usage: npm run bench:lexical -- <data-dir> [--rounds N]');
const rounds = Number(values.rounds ?? 5);

const engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
try {
  const chunks = (await engine.status()).folders.reduce((sum, folder) => sum + folder.chunks, 0);
  const measure = async (queries: readonly string[]) => {
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const query of queries) times.push((await engine.search(query, { mode: 'lexical', fresh: true, limit: 20 })).tookMs);
    }
    return { p50: Math.round(percentile(times, 50) * 10) / 10, p95: Math.round(percentile(times, 95) * 10) / 10 };
  };
  await measure(LEXICAL_QUERIES.slice(0, 5)); // warm the code paths
  const lexical = await measure(LEXICAL_QUERIES);
  const descriptive = await measure(DESCRIPTIVE_QUERIES);
  console.log(JSON.stringify({ chunks, rounds, lexicalMs: lexical, descriptiveMs: descriptive }));
} finally {
  engine.close();
}
