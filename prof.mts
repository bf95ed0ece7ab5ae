import { Engine } from './src/core/engine.ts';
import { InProcessFileProcessor } from './src/core/indexing/in-process.ts';
import { LEXICAL_QUERIES, REGEX_QUERIES } from './bench/queries.ts';
const e = await Engine.open({ dataDir: process.argv[2]!, processor: await InProcessFileProcessor.create() });
for (const q of LEXICAL_QUERIES) await e.search(q);
const rows: [string, number][] = [];
for (const q of LEXICAL_QUERIES) { const t: number[] = []; for (let i = 0; i < 5; i++) t.push((await e.search(q)).tookMs); rows.push([q, Math.min(...t)]); }
rows.sort((a, b) => b[1] - a[1]); console.log(rows.slice(0, 8).map(([q, t]) => `${t.toFixed(1)}\t${q}`).join('\n'));
const rr: [string, number][] = [];
for (const q of REGEX_QUERIES) { const t: number[] = []; let n = 0; for (let i = 0; i < 3; i++) { const r = await e.search(q, {mode: 'regex'}); t.push(r.tookMs); n = r.hits.length; } rr.push([q + ' ' + n, Math.min(...t)]); }
console.log(rr.map(([q, t]) => `${t.toFixed(1)}\t${q}`).join('\n'));
e.close();
