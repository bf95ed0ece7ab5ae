import { Engine } from './src/core/engine.ts';
import { InProcessFileProcessor } from './src/core/indexing/in-process.ts';
const e = await Engine.open({ dataDir: '/tmp/qbb', processor: await InProcessFileProcessor.create() });
for (let i = 0; i < 5; i++) { const r = await e.search('node type'); console.log('total', r.tookMs.toFixed(1)); }
