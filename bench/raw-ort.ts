// The embedding peer: the same model run by onnxruntime-node directly, with the same tokenizer,
// threads and length-sorted batches, and mean pooling over the attention mask, as the pipeline
// pools. What our embedding path is compared with.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { Chunker } from '../src/core/chunk/chunker.js';
import { resolveModelPack } from '../src/core/embedding/model-pack.js';
import { languageOf } from '../src/core/files/language.js';
import { walkFolder } from '../src/core/walk/walker.js';

/** Up to `limit` real code chunks from a folder, as indexing makes them. */
export async function codeChunks(dir: string, limit: number): Promise<string[]> {
  const chunker = await Chunker.create();
  const texts: string[] = [];
  for await (const item of walkFolder(dir, { maxFileBytes: 1 << 20 })) {
    if (item.type !== 'file') continue;
    const text = await fs.readFile(item.absPath, 'utf8');
    for (const chunk of await chunker.chunk(text, languageOf(item.relPath))) texts.push(chunk.text);
    if (texts.length >= limit) break;
  }
  return texts.slice(0, limit);
}

/** A raw onnxruntime session on a model pack; `embedAll` embeds texts in batches and resolves when done. */
export async function rawOrtEmbedder(modelsDir: string, modelId: string, threads: number, batch: number): Promise<{ embedAll(texts: string[]): Promise<void> }> {
  const pack = resolveModelPack(modelsDir, modelId);
  env.allowRemoteModels = false;
  env.localModelPath = `${modelsDir}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(modelId, { local_files_only: true });
  const session = await ort.InferenceSession.create(path.join(modelsDir, modelId, 'onnx', 'model_quantized.onnx'), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const embedAll = async (texts: string[]): Promise<void> => {
    const sorted = [...texts].sort((a, b) => a.length - b.length);
    for (let i = 0; i < sorted.length; i += batch) {
      const encoded = tokenizer(sorted.slice(i, i + batch), { padding: true, truncation: true, max_length: pack.maxTokens });
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of session.inputNames) {
        const tensor = (encoded as unknown as Record<string, { data: BigInt64Array; dims: number[] }>)[name]!;
        feeds[name] = new ort.Tensor('int64', tensor.data, tensor.dims);
      }
      const out = await session.run(feeds);
      const hidden = out[session.outputNames[0]!]!;
      const [batchSize, seq, dims] = hidden.dims as number[];
      const data = hidden.data as Float32Array;
      const mask = (encoded as unknown as Record<string, { data: BigInt64Array }>).attention_mask!.data;
      for (let b = 0; b < batchSize!; b++) {
        const pooled = new Float32Array(dims!);
        let count = 0;
        for (let t = 0; t < seq!; t++) {
          if (mask[b * seq! + t] === 0n) continue;
          count++;
          for (let d = 0; d < dims!; d++) pooled[d]! += data[(b * seq! + t) * dims! + d]!;
        }
        for (let d = 0; d < dims!; d++) pooled[d]! /= count;
      }
    }
  };
  return { embedAll };
}
