import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../../shared/errors.js';

/** Where a model is fetched from: a Hugging Face style hub (`/api/models/<repo>/tree/main`, `/<repo>/resolve/main/<file>`). */
export interface ModelSource {
  /** e.g. https://huggingface.co, or a mirror. */
  endpoint: string;
  /** e.g. Xenova/all-MiniLM-L6-v2 */
  repo: string;
}

export const DEFAULT_MODEL_SOURCE: ModelSource = { endpoint: 'https://huggingface.co', repo: 'Xenova/all-MiniLM-L6-v2' };
/** The fast tier's default: Model2Vec's static model distilled for code. */
export const DEFAULT_FAST_MODEL_SOURCE: ModelSource = { endpoint: 'https://huggingface.co', repo: 'minishlab/potion-code-16M' };

/** transformers: a transformers.js feature-extraction model; static: a Model2Vec pack (static-pack.ts). */
export type PackLayout = 'transformers' | 'static';

/** The files a pack of the layout needs (a transformers.js one for its ONNX file), and which of them it cannot do without. */
function layoutFiles(layout: PackLayout, onnxFile: string): { wanted: RegExp[]; required: string[] } {
  if (layout === 'static') return { wanted: [], required: ['config.json', 'model.safetensors', 'tokenizer.json'] };
  return {
    wanted: [/^config\.json$/, /^tokenizer\.json$/, /^tokenizer_config\.json$/, /^special_tokens_map\.json$/, /^vocab\.txt$/],
    required: ['config.json', 'tokenizer.json', onnxFile],
  };
}

export interface DownloadProgress {
  file: string;
  fileBytes: number;
  fileTotal: number;
  bytes: number;
  total: number;
}

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  /** git blob sha1 */
  oid: string;
  /** Present for files stored in Git LFS: their sha256. */
  lfs?: { oid: string; size: number };
}

/**
 * Downloads a model folder into `modelsDir/<modelId>`: resumable (an interrupted file continues
 * from its `.part` with an HTTP Range request), verified (LFS files by sha256, others by git blob
 * sha1, both from the hub's file listing) and atomic (files land in a staging folder that is
 * renamed into place only when all are verified). Yields progress.
 */
export async function* downloadModel(
  source: ModelSource,
  modelsDir: string,
  modelId: string,
  options: { onnxFile?: string; layout?: PackLayout; signal?: AbortSignal } = {},
): AsyncGenerator<DownloadProgress, string> {
  const onnxFile = options.onnxFile ?? 'onnx/model_quantized.onnx';
  const { wanted, required } = layoutFiles(options.layout ?? 'transformers', onnxFile);
  const target = path.join(modelsDir, modelId);
  const staging = path.join(modelsDir, `.download-${modelId}`);
  const listing = await fetchJson<TreeEntry[]>(`${source.endpoint}/api/models/${source.repo}/tree/main?recursive=true`, options.signal);
  const files = listing.filter((e) => e.type === 'file' && (required.includes(e.path) || wanted.some((w) => w.test(e.path))));
  for (const file of required) {
    if (!files.some((f) => f.path === file)) throw new QuarryError('MODEL_NOT_FOUND', `${source.repo} has no ${file}`);
  }
  const total = files.reduce((sum, f) => sum + (f.lfs?.size ?? f.size), 0);
  let done = 0;
  for (const file of files) {
    const size = file.lfs?.size ?? file.size;
    const destination = path.join(staging, file.path);
    await fs.mkdir(path.dirname(destination), { recursive: true });
    if (!(await verified(destination, file))) {
      const url = `${source.endpoint}/${source.repo}/resolve/main/${file.path}`;
      for await (const fileBytes of fetchResumable(url, `${destination}.part`, size, options.signal)) {
        yield { file: file.path, fileBytes, fileTotal: size, bytes: done + fileBytes, total };
      }
      if (!(await verified(`${destination}.part`, file))) {
        await fs.rm(`${destination}.part`, { force: true });
        throw new QuarryError('MODEL_LOAD_FAILED', `${file.path} from ${source.endpoint} failed its checksum; it was discarded, try again`);
      }
      await fs.rename(`${destination}.part`, destination);
    }
    done += size;
    yield { file: file.path, fileBytes: size, fileTotal: size, bytes: done, total };
  }
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(staging, target);
  return target;
}

/** Streams `url` into `partFile`, continuing after the bytes already there; yields bytes so far. */
async function* fetchResumable(url: string, partFile: string, size: number, signal?: AbortSignal): AsyncGenerator<number> {
  let have = await fs.stat(partFile).then((s) => s.size, () => 0);
  if (have > size) {
    await fs.rm(partFile);
    have = 0;
  }
  if (have === size) return;
  const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, ...(signal ? { signal } : {}) });
  if (!response.ok || !response.body) throw new QuarryError('MODEL_LOAD_FAILED', `Downloading ${url} failed: HTTP ${response.status}`);
  if (have > 0 && response.status !== 206) have = 0; // the server ignored the range: start over
  const out = await fs.open(partFile, have > 0 ? 'a' : 'w');
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      await out.write(chunk);
      have += chunk.byteLength;
      yield have;
    }
  } finally {
    await out.close();
  }
}

async function verified(file: string, entry: TreeEntry): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat || stat.size !== (entry.lfs?.size ?? entry.size)) return false;
  // git's blob id: sha1 over "blob <size>\0" and the content; LFS files carry their sha256.
  const hash = entry.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${stat.size}\0`);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex') === (entry.lfs?.oid ?? entry.oid);
}

async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    throw new QuarryError('MODEL_LOAD_FAILED', `Cannot reach ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new QuarryError('MODEL_NOT_FOUND', `${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}
